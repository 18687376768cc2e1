import * as net from 'node:net'
import { type Frame, FrameDecoder, HEADER_SIZE, writeFrame } from '../codec.js'
import { BASELINE_FLUSH_BYTES, BASELINE_HIGH_WATER_MARK, CODE_PING, CODE_PONG } from '../constants.js'
import type { BenchClient, BenchServer, ClientInit, Implementation, Peer, ServerInit } from './types.js'
import { ROUND_TRIP_TIMEOUT_MS } from './types.js'

// The baseline: what a careful hand-written node:net program with the same framing and CRC-32 achieves. Each
// connection encodes frames straight into a slab and writes once per tick (or every BASELINE_FLUSH_BYTES),
// answers PING with PONG, matches replies by request id. No handshake, no routing, no objects per message:
// the practical ceiling for Node, which Veltix's figures are divided by.

const SLAB_SIZE = 4 * BASELINE_FLUSH_BYTES
const EMPTY = new Uint8Array(0)

class BaselineConnection {
  readonly socket: net.Socket
  readonly #decoder: FrameDecoder
  #slab: Buffer | undefined
  #start = 0 // first byte of the slab not yet handed to the socket
  #off = 0 // end of the encoded bytes in the slab
  #scheduled = false
  readonly #flushTask = (): void => {
    this.#scheduled = false
    this.flush()
  }

  constructor(socket: net.Socket, onFrame: (frame: Frame) => void) {
    this.socket = socket
    socket.setNoDelay(true)
    this.#decoder = new FrameDecoder({ onFrame, maxMessageSize: Number.POSITIVE_INFINITY })
    socket.on('data', (chunk: Buffer) => {
      if (!this.#decoder.push(chunk)) socket.destroy(this.#decoder.error)
    })
    socket.on('error', () => {}) // the close that follows is what matters to the benchmark
  }

  send(code: number, requestId: number, payload: Uint8Array): boolean {
    const len = HEADER_SIZE + payload.length
    let slab = this.#slab
    if (slab === undefined || slab.length - this.#off < len) {
      this.flush()
      if (len > SLAB_SIZE) {
        const own = Buffer.allocUnsafe(len)
        writeFrame(own, 0, code, requestId, payload, Date.now())
        this.socket.write(own)
        return this.#underHighWater()
      }
      slab = this.#slab = Buffer.allocUnsafe(SLAB_SIZE)
      this.#start = this.#off = 0
    }
    this.#off = writeFrame(slab, this.#off, code, requestId, payload, Date.now())
    this.#afterQueue()
    return this.#underHighWater()
  }

  /** Queues bytes that are already whole frames (a broadcast encodes once): copied into the slab, written with the rest of the tick. */
  sendEncoded(frames: Uint8Array): boolean {
    const len = frames.length
    let slab = this.#slab
    if (slab === undefined || slab.length - this.#off < len) {
      this.flush()
      if (len > SLAB_SIZE) {
        this.socket.write(frames)
        return this.#underHighWater()
      }
      slab = this.#slab = Buffer.allocUnsafe(SLAB_SIZE)
      this.#start = this.#off = 0
    }
    slab.set(frames, this.#off)
    this.#off += len
    this.#afterQueue()
    return this.#underHighWater()
  }

  #afterQueue(): void {
    if (this.#off - this.#start >= BASELINE_FLUSH_BYTES) this.flush()
    else if (!this.#scheduled) {
      this.#scheduled = true
      queueMicrotask(this.#flushTask)
    }
  }

  flush(): void {
    if (this.#off > this.#start) {
      this.socket.write(this.#slab!.subarray(this.#start, this.#off))
      this.#start = this.#off
    }
  }

  drained(): Promise<void> {
    this.flush()
    if (!this.socket.writableNeedDrain || this.socket.destroyed) return new Promise((r) => setImmediate(r))
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done)
        this.socket.off('close', done)
        resolve()
      }
      this.socket.on('drain', done)
      this.socket.on('close', done)
    })
  }

  #underHighWater(): boolean {
    return this.socket.writableLength + (this.#off - this.#start) < BASELINE_HIGH_WATER_MARK
  }

  close(): Promise<void> {
    this.flush()
    return new Promise((resolve) => {
      if (this.socket.closed) return resolve()
      this.socket.once('close', () => resolve())
      this.socket.end()
    })
  }
}

class BaselineServer implements BenchServer {
  readonly #server: net.Server
  readonly #connections = new Set<BaselineConnection>()
  #port = 0

  constructor(init: ServerInit) {
    const hooks = init.hooks
    this.#server = net.createServer({ noDelay: true }, (socket) => {
      const conn: BaselineConnection = new BaselineConnection(socket, (f) => {
        if (f.code === CODE_PING) conn.send(CODE_PONG, f.requestId, EMPTY)
        else hooks.message(conn, f.code, f.requestId, f.payload)
      })
      this.#connections.add(conn)
      socket.on('close', () => this.#connections.delete(conn))
    })
  }

  listen(): Promise<this> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
        this.#port = (this.#server.address() as net.AddressInfo).port
        resolve(this)
      })
    })
  }

  get port(): number {
    return this.#port
  }

  get connectionCount(): number {
    return this.#connections.size
  }

  reply(peer: Peer, code: number, requestId: number, payload: Uint8Array): void {
    ;(peer as BaselineConnection).send(code, requestId, payload)
  }

  broadcast(code: number, payload: Uint8Array): number {
    const frame = Buffer.allocUnsafe(HEADER_SIZE + payload.length)
    writeFrame(frame, 0, code, 0, payload, Date.now())
    let n = 0
    for (const c of this.#connections) {
      c.sendEncoded(frame)
      n++
    }
    return n
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const c of this.#connections) c.socket.destroy()
    await closed
  }
}

interface Pending {
  resolve: (ok: boolean) => void
  deadline: number
}

class BaselineClient implements BenchClient {
  readonly #conn: BaselineConnection
  readonly #pending = new Map<number, Pending>()
  #nextId = 1
  // One coarse sweep for timeouts instead of a timer per request (what a careful implementation does).
  #sweeper: NodeJS.Timeout | undefined

  constructor(socket: net.Socket, init: ClientInit) {
    const onMessage = init.onMessage
    this.#conn = new BaselineConnection(socket, (f) => {
      const p = this.#pending.get(f.requestId)
      if (p !== undefined) {
        this.#pending.delete(f.requestId)
        p.resolve(true)
      } else if (f.code === CODE_PING) this.#conn.send(CODE_PONG, f.requestId, EMPTY)
      else onMessage?.(f.code, f.payload)
    })
    socket.on('close', () => {
      for (const p of this.#pending.values()) p.resolve(false)
      this.#pending.clear()
    })
  }

  send(code: number, payload: Uint8Array): boolean {
    return this.#conn.send(code, this.#id(), payload)
  }

  drained(): Promise<void> {
    return this.#conn.drained()
  }

  request(code: number, payload: Uint8Array): Promise<boolean> {
    const id = this.#id()
    return new Promise((resolve) => {
      this.#pending.set(id, { resolve, deadline: Date.now() + ROUND_TRIP_TIMEOUT_MS })
      this.#sweep()
      this.#conn.send(code, id, payload)
    })
  }

  ping(): Promise<boolean> {
    return this.request(CODE_PING, EMPTY)
  }

  #id(): number {
    const id = this.#nextId
    this.#nextId = id === 0xffffffff ? 1 : id + 1
    return id
  }

  #sweep(): void {
    if (this.#sweeper !== undefined) return
    this.#sweeper = setInterval(() => {
      const now = Date.now()
      for (const [id, p] of this.#pending) {
        if (p.deadline <= now) {
          this.#pending.delete(id)
          p.resolve(false)
        }
      }
    }, 1000)
    this.#sweeper.unref()
  }

  async close(): Promise<void> {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper)
    await this.#conn.close()
  }
}

/** The raw node:net baseline. */
export const baseline: Implementation = {
  name: 'baseline',
  startServer(init) {
    return new BaselineServer(init).listen()
  },
  connect(init) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: init.port, noDelay: true })
      socket.once('error', reject)
      socket.once('connect', () => {
        socket.off('error', reject)
        resolve(new BaselineClient(socket, init))
      })
    })
  },
}
