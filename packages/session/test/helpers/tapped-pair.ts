import type { Frame } from '@veltix/codec'
import {
  type Connection,
  type ConnectionHandler,
  type ConnectionPairInit,
  createConnectionPair,
  type FrameStats,
  type SendResult,
} from '@veltix/transport'

/**
 * One side of the transport's in-memory pair (real encoding, CRC, order, close semantics), with what a test
 * reads or forces that the pair itself does not offer: `sent` (every frame this side sent, in order),
 * `handler` (the one set), `sendResult` (returned instead of sending, e.g. to force 'overflow') and
 * `closeWithoutError` (the close is reported without the pair's error, e.g. a reset with no `error`).
 */
export class TappedConnection implements Connection {
  readonly inner: Connection
  readonly sent: Frame[] = []
  sendResult: SendResult | undefined = undefined
  closeWithoutError = false
  #handler: ConnectionHandler | undefined = undefined

  constructor(inner: Connection) {
    this.inner = inner
  }

  get id(): number {
    return this.inner.id
  }
  get remoteAddress(): string {
    return this.inner.remoteAddress
  }
  get remotePort(): number {
    return this.inner.remotePort
  }
  get remoteFamily(): string {
    return this.inner.remoteFamily
  }
  get localAddress(): string {
    return this.inner.localAddress
  }
  get localPort(): number {
    return this.inner.localPort
  }
  get closed(): boolean {
    return this.inner.closed
  }
  get bufferedAmount(): number {
    return this.inner.bufferedAmount
  }
  get stats(): Readonly<FrameStats> {
    return this.inner.stats
  }
  get handler(): ConnectionHandler | undefined {
    return this.#handler
  }

  setHandler(handler: ConnectionHandler): void {
    this.#handler = handler
    if (!this.closeWithoutError) {
      this.inner.setHandler(handler)
      return
    }
    this.inner.setHandler({
      frame: (f) => handler.frame(f),
      decodeError: (e) => handler.decodeError?.(e),
      drain: () => handler.drain?.(),
      close: (info) => handler.close({ reason: info.reason }),
    })
  }

  send(code: number, requestId: number, payload: Uint8Array, timestamp?: number): SendResult {
    if (this.inner.closed) return 'closed'
    if (this.sendResult !== undefined) return this.sendResult
    const r = this.inner.send(code, requestId, payload, timestamp)
    if (r === 'ok' || r === 'backpressure') {
      this.sent.push({ code, requestId, timestamp: timestamp ?? 0, payload: new Uint8Array(payload) })
    }
    return r
  }

  sendEncoded(frames: Uint8Array): SendResult {
    return this.inner.sendEncoded(frames)
  }

  close(): Promise<void> {
    return this.inner.close()
  }

  destroy(error?: Error): void {
    this.inner.destroy(error)
  }
}

/** `createConnectionPair`, each side tapped. */
export function createTappedPair(init?: ConnectionPairInit): [TappedConnection, TappedConnection] {
  const [a, b] = createConnectionPair(init)
  return [new TappedConnection(a), new TappedConnection(b)]
}

/** Resolves after `n` macrotasks: enough for the pair to deliver what is in flight. */
export async function ticks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}
