import type { Frame } from '@veltix/codec'
import type {
  CloseInfo,
  CloseReason,
  Connection,
  ConnectionHandler,
  ConnectionStats,
  SendResult,
} from '@veltix/transport'

let nextId = 1

/**
 * An in-memory Connection for unit tests: frames cross to the peer on a later macrotask (as a socket would),
 * in order; nothing is read until setHandler; close is reported once on each side.
 */
export class FakeConnection implements Connection {
  readonly id = nextId++
  readonly remoteAddress = '127.0.0.1'
  readonly remotePort = 40000 + this.id
  readonly remoteFamily = 'IPv4'
  readonly localAddress = 'memory'
  readonly localPort = 0
  bufferedAmount = 0
  readonly stats: ConnectionStats = {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    checksumErrors: 0,
    unknownTypes: 0,
    overflowRejected: 0,
  }
  peer: FakeConnection | undefined
  /** Every frame this side sent, in order. */
  readonly sent: Frame[] = []
  /** When set, send returns this instead of queuing. */
  sendResult: SendResult | undefined
  #handler: ConnectionHandler | undefined
  #inbox: Frame[] = []
  #closed = false
  #closeReported = false
  #scheduled = false
  #pendingClose: CloseInfo | undefined

  get closed(): boolean {
    return this.#closed
  }

  get handler(): ConnectionHandler | undefined {
    return this.#handler
  }

  setHandler(handler: ConnectionHandler): void {
    this.#handler = handler
    this.#schedule()
  }

  send(code: number, requestId: number, payload: Uint8Array, timestamp = Date.now()): SendResult {
    if (this.#closed) return 'closed'
    if (this.sendResult !== undefined) return this.sendResult
    const frame = { code, requestId, timestamp, payload: new Uint8Array(payload) }
    this.sent.push(frame)
    this.stats.framesOut++
    this.peer?.receive(frame)
    return 'ok'
  }

  sendEncoded(_frames: Uint8Array): SendResult {
    throw new Error('not used by the session')
  }

  /** Injects a frame as if the peer had sent it. */
  receive(frame: Frame): void {
    if (this.#closeReported) return
    this.#inbox.push(frame)
    this.#schedule()
  }

  /** Injects a decode error. */
  decodeError(error: Parameters<NonNullable<ConnectionHandler['decodeError']>>[0]): void {
    this.#handler?.decodeError?.(error)
  }

  async close(): Promise<void> {
    this.#shutdown('local', 'remote-end')
    await new Promise((r) => setImmediate(r))
  }

  destroy(error?: Error): void {
    this.#shutdown('local', 'reset', error)
  }

  /** Simulates the peer going away. */
  remoteClose(reason: CloseReason = 'remote-end', error?: Error): void {
    this.#closed = true
    this.#queueClose(error === undefined ? { reason } : { reason, error })
  }

  #shutdown(local: CloseReason, remote: CloseReason, error?: Error): void {
    if (this.#closed) return
    this.#closed = true
    this.#queueClose(error === undefined ? { reason: local } : { reason: local, error })
    const p = this.peer
    if (p !== undefined && !p.#closed) {
      p.#closed = true
      p.#queueClose({ reason: remote })
    }
  }

  #queueClose(info: CloseInfo): void {
    if (this.#pendingClose !== undefined || this.#closeReported) return
    this.#pendingClose = info
    this.#schedule()
  }

  #schedule(): void {
    if (this.#scheduled || this.#handler === undefined) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#pump()
    })
  }

  #pump(): void {
    const h = this.#handler
    if (h === undefined || this.#closeReported) return
    while (this.#inbox.length > 0) {
      const f = this.#inbox.shift()!
      this.stats.framesIn++
      h.frame(f)
      if (this.#closeReported) return
    }
    const info = this.#pendingClose
    if (info !== undefined) {
      this.#closeReported = true
      this.#inbox.length = 0
      h.close(info)
    }
  }
}

export function createFakePair(): [FakeConnection, FakeConnection] {
  const a = new FakeConnection()
  const b = new FakeConnection()
  a.peer = b
  b.peer = a
  return [a, b]
}

/** Resolves after `n` macrotasks: enough for the fake pair to deliver what is in flight. */
export async function ticks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}
