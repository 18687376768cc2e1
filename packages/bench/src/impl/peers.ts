import { CODE_PING } from '../constants.js'
import type { BenchClient, BenchServer, ClientInit, Implementation, Peer, ServerInit } from './types.js'
import { ROUND_TRIP_TIMEOUT_MS } from './types.js'

// zeromq 6 for `--peers` (a devDependency of the bench only, loaded on demand), used the way its documentation
// shows: a DEALER per client, one ROUTER on the server, multipart messages, `await send`. Burst and latency
// only. (socket.io, the other peer, is the WebSocket workload's stack: `workloads/websocket.ts`.)

const EMPTY = new Uint8Array(0)

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
