import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CODE_PING } from '../constants.js'
import type { BenchClient, BenchServer, ClientInit, Implementation, Peer, ServerInit } from './types.js'
import { ROUND_TRIP_TIMEOUT_MS } from './types.js'

// Peer libraries for `--peers`, each used the way its documentation shows (devDependencies of the bench only,
// loaded on demand): socket.io 4.8 over its WebSocket transport (events, acknowledgements for
// request/response), and zeromq 6 DEALER → ROUTER (multipart messages, `await send`). Burst and latency only:
// the comparison of the README, made reproducible.

const EMPTY = new Uint8Array(0)
/** socket.io: engine packets queued unsent above which a send reports backpressure. */
const SOCKETIO_QUEUE_LIMIT = 256

type IoSocket = import('socket.io').Socket
type IoClientSocket = import('socket.io-client').Socket
type Ack = (payload?: Uint8Array) => void

class SocketIoServer implements BenchServer {
  readonly #http: HttpServer
  readonly #io: import('socket.io').Server
  // Acknowledgement callbacks of requests the hooks have not answered yet, by a server-side id.
  readonly #acks = new Map<number, Ack>()
  #nextId = 1

  constructor(io: typeof import('socket.io'), init: ServerInit) {
    const hooks = init.hooks
    this.#http = createServer()
    this.#io = new io.Server(this.#http, {
      transports: ['websocket'],
      maxHttpBufferSize: 64 * 1024 * 1024,
      serveClient: false,
    })
    this.#io.on('connection', (socket: IoSocket) => {
      socket.on('m', (code: number, payload: Uint8Array) => hooks.message(socket, code, 0, payload))
      socket.on('r', (code: number, payload: Uint8Array, ack: Ack) => {
        if (code === CODE_PING) return ack()
        const id = this.#nextId++
        this.#acks.set(id, ack)
        hooks.message(socket, code, id, payload)
      })
    })
  }

  listen(): Promise<this> {
    return new Promise((resolve, reject) => {
      this.#http.once('error', reject)
      this.#http.listen(0, '127.0.0.1', () => resolve(this))
    })
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port
  }

  get connectionCount(): number {
    return this.#io.engine.clientsCount
  }

  reply(peer: Peer, code: number, requestId: number, payload: Uint8Array): void {
    const ack = this.#acks.get(requestId)
    if (ack === undefined) (peer as IoSocket).emit('m', code, payload)
    else {
      this.#acks.delete(requestId)
      ack(payload)
    }
  }

  broadcast(code: number, payload: Uint8Array): number {
    this.#io.emit('m', code, payload)
    return this.#io.engine.clientsCount
  }

  async close(): Promise<void> {
    await this.#io.close()
  }
}

class SocketIoClient implements BenchClient {
  readonly #socket: IoClientSocket

  constructor(socket: IoClientSocket, init: ClientInit) {
    this.#socket = socket
    const onMessage = init.onMessage
    if (onMessage !== undefined)
      socket.on('m', (code: number, payload: Uint8Array) => onMessage(code, payload))
  }

  #queued(): number {
    return (this.#socket.io.engine as unknown as { writeBuffer: unknown[] }).writeBuffer.length
  }

  send(code: number, payload: Uint8Array): boolean {
    this.#socket.emit('m', code, payload)
    return this.#queued() < SOCKETIO_QUEUE_LIMIT
  }

  drained(): Promise<void> {
    if (this.#queued() === 0 || !this.#socket.connected) return new Promise((r) => setImmediate(r))
    return new Promise((resolve) => {
      const engine = this.#socket.io.engine
      const done = (): void => {
        engine.off('drain', done)
        engine.off('close', done)
        resolve()
      }
      engine.on('drain', done)
      engine.on('close', done)
    })
  }

  request(code: number, payload: Uint8Array): Promise<boolean> {
    return this.#socket
      .timeout(ROUND_TRIP_TIMEOUT_MS)
      .emitWithAck('r', code, payload)
      .then(
        () => true,
        () => false,
      )
  }

  ping(): Promise<boolean> {
    return this.request(CODE_PING, EMPTY)
  }

  async close(): Promise<void> {
    this.#socket.disconnect()
  }
}

/** socket.io 4.8 (server `socket.io`, client `socket.io-client`), WebSocket transport only. */
export const socketio: Implementation = {
  name: 'socketio',
  async startServer(init) {
    const io = await import('socket.io')
    return new SocketIoServer(io, init).listen()
  },
  async connect(init) {
    const { io } = await import('socket.io-client')
    const socket = io(`http://127.0.0.1:${init.port}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    })
    const client = new SocketIoClient(socket, init)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve())
      socket.once('connect_error', reject)
    })
    return client
  },
}

// zeromq: every message is [head, payload] where head = u16 code, u32 request id (0 = not a request).
const HEAD_BYTES = 6

function head(code: number, requestId: number): Buffer {
  const h = Buffer.allocUnsafe(HEAD_BYTES)
  h.writeUInt16BE(code, 0)
  h.writeUInt32BE(requestId, 2)
  return h
}

class ZmqServer implements BenchServer {
  readonly #router: import('zeromq').Router
  readonly #peers = new Set<string>()
  #port = 0
  // ROUTER allows one send in flight: replies are chained.
  #sending: Promise<void> = Promise.resolve()

  constructor(zmq: typeof import('zeromq'), init: ServerInit) {
    const router = new zmq.Router()
    this.#router = router
    const hooks = init.hooks
    void (async () => {
      try {
        for await (const [identity, h, payload] of router) {
          if (identity === undefined || h === undefined) continue
          const code = h.readUInt16BE(0)
          const requestId = h.readUInt32BE(2)
          this.#peers.add(identity.toString('hex'))
          if (code === CODE_PING) this.#send(identity, h, EMPTY)
          else hooks.message(identity, code, requestId, payload ?? EMPTY)
        }
      } catch {
        // closed
      }
    })()
  }

  #send(identity: Buffer, h: Buffer, payload: Uint8Array): void {
    const router = this.#router
    this.#sending = this.#sending.then(
      () => router.send([identity, h, payload]),
      () => {},
    )
  }

  async listen(): Promise<this> {
    await this.#router.bind('tcp://127.0.0.1:*')
    this.#port = Number(new URL(this.#router.lastEndpoint!.replace('tcp:', 'http:')).port)
    return this
  }

  get port(): number {
    return this.#port
  }

  get connectionCount(): number {
    return this.#peers.size
  }

  reply(peer: Peer, code: number, requestId: number, payload: Uint8Array): void {
    this.#send(peer as Buffer, head(code, requestId), payload)
  }

  broadcast(): number {
    throw new Error('zeromq: the bench drives it on burst and latency only (ROUTER has no broadcast)')
  }

  async close(): Promise<void> {
    this.#router.linger = 0
    this.#router.close()
  }
}

class ZmqClient implements BenchClient {
  readonly #dealer: import('zeromq').Dealer
  readonly #pending = new Map<number, (ok: boolean) => void>()
  #nextId = 1
  #last: Promise<void> = Promise.resolve()

  constructor(dealer: import('zeromq').Dealer, init: ClientInit) {
    this.#dealer = dealer
    const onMessage = init.onMessage
    void (async () => {
      try {
        for await (const [h, payload] of dealer) {
          if (h === undefined) continue
          const resolve = this.#pending.get(h.readUInt32BE(2))
          if (resolve !== undefined) {
            this.#pending.delete(h.readUInt32BE(2))
            resolve(true)
          } else onMessage?.(h.readUInt16BE(0), payload ?? EMPTY)
        }
      } catch {
        // closed
      }
    })()
  }

  /** zeromq 6 allows one `send` in flight per socket: the caller awaits `drained()` after each. */
  send(code: number, payload: Uint8Array): boolean {
    this.#last = this.#dealer.send([head(code, 0), payload])
    return false
  }

  drained(): Promise<void> {
    return this.#last
  }

  async request(code: number, payload: Uint8Array): Promise<boolean> {
    const id = this.#nextId++
    const replied = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        resolve(false)
      }, ROUND_TRIP_TIMEOUT_MS)
      this.#pending.set(id, (ok) => {
        clearTimeout(timer)
        resolve(ok)
      })
    })
    await this.#last
    this.#last = this.#dealer.send([head(code, id), payload])
    return replied
  }

  ping(): Promise<boolean> {
    return this.request(CODE_PING, EMPTY)
  }

  async close(): Promise<void> {
    await this.#last.catch(() => {})
    this.#dealer.linger = 0
    this.#dealer.close()
    for (const resolve of this.#pending.values()) resolve(false)
    this.#pending.clear()
  }
}

/** zeromq 6: a DEALER per client, one ROUTER on the server. */
export const zeromq: Implementation = {
  name: 'zeromq',
  async startServer(init) {
    const zmq = await import('zeromq')
    return new ZmqServer(zmq, init).listen()
  },
  async connect(init) {
    const zmq = await import('zeromq')
    const dealer = new zmq.Dealer()
    dealer.connect(`tcp://127.0.0.1:${init.port}`)
    const client = new ZmqClient(dealer, init)
    // Connecting is asynchronous in ZeroMQ: one round trip proves the pipe is up before anything is timed.
    if (!(await client.ping())) throw new Error(`zeromq client could not reach port ${init.port}`)
    return client
  },
}
