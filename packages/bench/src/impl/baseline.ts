import * as net from 'node:net'
import { FrameDecoder, HEADER_SIZE, writeFrame } from '../codec.js'
import {
  BASELINE_FLUSH_BYTES,
  BASELINE_HIGH_WATER_MARK,
  CODE_DATA,
  CODE_PING,
  CODE_PONG,
} from '../constants.js'
import type {
  BenchClient,
  BenchServer,
  ClientInit,
  Implementation,
  ImplName,
  Peer,
  ServerInit,
} from './types.js'
import { ROUND_TRIP_TIMEOUT_MS } from './types.js'

// The baselines: what a careful hand-written node:net program achieves. Each connection encodes frames
// straight into a slab and writes once per tick (or every BASELINE_FLUSH_BYTES), answers PING with PONG,
// matches replies. No handshake, no routing, no objects per message: the practical ceiling for Node, which
// Veltix's figures are divided by. Two framings: `baseline` speaks Veltix's own (22-byte header, CRC-32, from
// `veltix/codec`); `raw4` a plain 4-byte length prefix and no checksum: the wire's own limit.

type OnFrame = (code: number, requestId: number, payload: Uint8Array) => void

interface Decoder {
  /** False when the stream is broken (then `error` says why). */
  push(chunk: Buffer): boolean
  readonly error: Error | undefined
}

/** How a raw program frames its messages. */
export interface Framing {
  /** Bytes a frame adds to its payload. */
  readonly overhead: number
  /** True when frames carry request ids; otherwise replies are matched in order (one TCP stream). */
  readonly ids: boolean
  write(slab: Buffer, off: number, code: number, requestId: number, payload: Uint8Array): number
  decoder(onFrame: OnFrame): Decoder
}

/** Veltix's wire: 22-byte header with CRC-32, the same codec Veltix uses. */
export const VELTIX_FRAMING: Framing = {
  overhead: HEADER_SIZE,
  ids: true,
  write: (slab, off, code, requestId, payload) => writeFrame(slab, off, code, requestId, payload, Date.now()),
  decoder: (onFrame) =>
    new FrameDecoder({
      onFrame: (f) => onFrame(f.code, f.requestId, f.payload),
      maxMessageSize: Number.POSITIVE_INFINITY,
    }),
}

/** Largest frame the 4-byte-length decoder accepts (a bound against a corrupt length, like Veltix's limit). */
const RAW4_MAX_FRAME = 64 * 1024 * 1024

/**
 * A plain u32 big-endian length, then the payload. No code, id or checksum: an empty frame is a ping (or its
 * pong), any other a data message. Payloads are views into the chunk when whole; a frame split across chunks
 * is assembled into one buffer of its announced size (copied once).
 */
class LengthDecoder implements Decoder {
  readonly #onFrame: OnFrame
  readonly #head = Buffer.alloc(4)
  #headLen = 0 // bytes of a split length prefix seen so far
  #body: Buffer | undefined // a frame body being assembled
  #have = 0
  error: Error | undefined

  constructor(onFrame: OnFrame) {
    this.#onFrame = onFrame
  }

  #deliver(payload: Uint8Array): void {
    this.#onFrame(payload.length === 0 ? CODE_PING : CODE_DATA, 0, payload)
  }

  /** Starts a frame of `len` bytes whose first bytes are chunk[off..]; returns the offset after what it took. */
  #begin(chunk: Buffer, off: number, len: number): number {
    if (len > RAW4_MAX_FRAME) {
      this.error = new RangeError(`raw4 frame of ${len} bytes exceeds ${RAW4_MAX_FRAME}`)
      return -1
    }
    if (chunk.length - off >= len) {
      this.#deliver(chunk.subarray(off, off + len))
      return off + len
    }
    this.#body = Buffer.allocUnsafe(len)
    this.#have = chunk.copy(this.#body, 0, off)
    return chunk.length
  }

  push(chunk: Buffer): boolean {
    const n = chunk.length
    let off = 0
    const body = this.#body
    if (body !== undefined) {
      const take = Math.min(body.length - this.#have, n)
      chunk.copy(body, this.#have, 0, take)
      this.#have += take
      if (this.#have < body.length) return true
      this.#body = undefined
      this.#deliver(body)
      off = take
    } else if (this.#headLen > 0) {
      while (this.#headLen < 4 && off < n) this.#head[this.#headLen++] = chunk[off++]!
      if (this.#headLen < 4) return true
      this.#headLen = 0
      off = this.#begin(chunk, off, this.#head.readUInt32BE(0))
      if (off < 0) return false
    }
    while (n - off >= 4) {
      off = this.#begin(chunk, off + 4, chunk.readUInt32BE(off))
      if (off < 0) return false
    }
    while (off < n) this.#head[this.#headLen++] = chunk[off++]!
    return true
  }
}

/** A 4-byte big-endian length prefix and nothing else. */
export const RAW4_FRAMING: Framing = {
  overhead: 4,
  ids: false,
  write(slab, off, _code, _requestId, payload) {
    slab.writeUInt32BE(payload.length, off)
    slab.set(payload, off + 4)
    return off + 4 + payload.length
  },
  decoder: (onFrame) => new LengthDecoder(onFrame),
}

const SLAB_SIZE = 4 * BASELINE_FLUSH_BYTES
const EMPTY = new Uint8Array(0)

class BaselineConnection {
  readonly socket: net.Socket
  readonly #decoder: Decoder
  readonly #framing: Framing
  #slab: Buffer | undefined
  #start = 0 // first byte of the slab not yet handed to the socket
  #off = 0 // end of the encoded bytes in the slab
  #scheduled = false
  readonly #flushTask = (): void => {
    this.#scheduled = false
    this.flush()
  }

  constructor(socket: net.Socket, framing: Framing, onFrame: OnFrame) {
    this.socket = socket
    this.#framing = framing
    socket.setNoDelay(true)
    this.#decoder = framing.decoder(onFrame)
    socket.on('data', (chunk: Buffer) => {
      if (!this.#decoder.push(chunk)) socket.destroy(this.#decoder.error)
    })
    socket.on('error', () => {}) // the close that follows is what matters to the benchmark
  }

  send(code: number, requestId: number, payload: Uint8Array): boolean {
    const framing = this.#framing
    const len = framing.overhead + payload.length
    let slab = this.#slab
    if (slab === undefined || slab.length - this.#off < len) {
      this.flush()
      if (len > SLAB_SIZE) {
        const own = Buffer.allocUnsafe(len)
        framing.write(own, 0, code, requestId, payload)
        this.socket.write(own)
        return this.#underHighWater()
      }
      slab = this.#slab = Buffer.allocUnsafe(SLAB_SIZE)
      this.#start = this.#off = 0
    }
    this.#off = framing.write(slab, this.#off, code, requestId, payload)
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
  readonly #framing: Framing
  readonly #connections = new Set<BaselineConnection>()
  #port = 0

  constructor(init: ServerInit, framing: Framing) {
    const hooks = init.hooks
    this.#framing = framing
    this.#server = net.createServer({ noDelay: true }, (socket) => {
      const conn: BaselineConnection = new BaselineConnection(socket, framing, (code, requestId, payload) => {
        if (code === CODE_PING) conn.send(CODE_PONG, requestId, EMPTY)
        else hooks.message(conn, code, requestId, payload)
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
    const frame = Buffer.allocUnsafe(this.#framing.overhead + payload.length)
    this.#framing.write(frame, 0, code, 0, payload)
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
  // Without request ids (raw4) replies come back in the order the requests went out: a FIFO of ids.
  readonly #order: number[] | undefined
  #nextId = 1
  // One coarse sweep for timeouts instead of a timer per request (what a careful implementation does).
  #sweeper: NodeJS.Timeout | undefined

  constructor(socket: net.Socket, framing: Framing, init: ClientInit) {
    const onMessage = init.onMessage
    const order: number[] | undefined = framing.ids ? undefined : []
    this.#order = order
    this.#conn = new BaselineConnection(socket, framing, (code, requestId, payload) => {
      // In order: the oldest request outstanding is what this frame answers (one that timed out is dropped).
      const id = order === undefined ? requestId : order.length > 0 ? order.shift()! : -1
      const p = this.#pending.get(id)
      if (p !== undefined) {
        this.#pending.delete(id)
        p.resolve(true)
      } else if (order !== undefined && id !== -1) return
      else if (code === CODE_PING) this.#conn.send(CODE_PONG, requestId, EMPTY)
      else onMessage?.(code, payload)
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
      this.#order?.push(id)
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

function rawImplementation(name: ImplName, framing: Framing): Implementation {
  return {
    name,
    startServer(init) {
      return new BaselineServer(init, framing).listen()
    },
    connect(init) {
      return new Promise((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port: init.port, noDelay: true })
        socket.once('error', reject)
        socket.once('connect', () => {
          socket.off('error', reject)
          resolve(new BaselineClient(socket, framing, init))
        })
      })
    },
  }
}

/** The raw node:net baseline with Veltix's framing (22-byte header, CRC-32). */
export const baseline: Implementation = rawImplementation('baseline', VELTIX_FRAMING)
/** The same raw program with a plain 4-byte length prefix and no CRC. */
export const raw4: Implementation = rawImplementation('raw4', RAW4_FRAMING)
