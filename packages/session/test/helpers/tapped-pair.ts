import type { Frame } from '@veltix/codec'
import {
  type CloseInfo,
  type ConnectionHandler,
  type ConnectionPairInit,
  createConnectionPair,
  type SendResult,
} from '@veltix/transport'
import { WrappingLink } from '../../src/protocol/link-base.js'

/**
 * One side of the transport's in-memory pair (real encoding, CRC, order, close semantics), with what a test
 * reads or forces that the pair itself does not offer: `sent` (every frame this side sent, in order),
 * `handler` (the one set), `sendResult` (returned instead of sending, e.g. to force 'overflow') and
 * `closeWithoutError` (the close is reported without the pair's error, e.g. a reset with no `error`).
 */
export class TappedConnection extends WrappingLink {
  readonly sent: Frame[] = []
  sendResult: SendResult | undefined = undefined
  closeWithoutError = false
  #handler: ConnectionHandler | undefined = undefined

  get handler(): ConnectionHandler | undefined {
    return this.#handler
  }

  override setHandler(handler: ConnectionHandler): void {
    this.#handler = handler
    super.setHandler(handler)
  }

  receive(f: Frame, handler: ConnectionHandler): void {
    handler.frame(f)
  }

  override closedWith(info: CloseInfo, handler: ConnectionHandler): void {
    handler.close(this.closeWithoutError ? { reason: info.reason } : info)
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
