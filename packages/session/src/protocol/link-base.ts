import type { CodecError, Frame } from '@veltix/codec'
import type { CloseInfo, Connection, ConnectionHandler, SendResult } from '@veltix/transport'
import type { SecureLink } from './secure-link.js'

/**
 * A `Connection` around the session's current one (the compression link, the resume link): forwards every
 * member it does not change, and hands each incoming frame to `receive`. When a secure link is inside, its
 * `channel`, `sendCloseNotify` and `dispose` are forwarded (the session reads them on its outermost link).
 * @internal
 */
export abstract class WrappingLink implements Connection {
  readonly inner: Connection
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
  get stats(): Connection['stats'] {
    return this.inner.stats
  }
  get encrypted(): boolean {
    return this.inner.encrypted === true
  }
  /** The secure link's channel when one is inside (the session reads it for `encrypted`, `peerIdentity`). */
  get channel(): SecureLink['channel'] {
    return (this.inner as Partial<SecureLink>).channel
  }

  setHandler(handler: ConnectionHandler): void {
    const first = this.#handler === undefined
    this.#handler = handler
    if (first) this.inner.setHandler(new InnerSide(this, handler))
  }

  abstract send(code: number, requestId: number, payload: Uint8Array, timestamp?: number): SendResult
  abstract sendEncoded(frames: Uint8Array): SendResult
  /** A frame from the inner connection, for `handler` (the session's). */
  abstract receive(f: Frame, handler: ConnectionHandler): void

  /** A frame the inner connection dropped (or its fatal error), for `handler`. */
  decodeFailed(e: CodecError, handler: ConnectionHandler): void {
    handler.decodeError?.(e)
  }

  /** The inner connection closed, for `handler`. */
  closedWith(info: CloseInfo, handler: ConnectionHandler): void {
    handler.close(info)
  }

  close(): Promise<void> {
    return this.inner.close()
  }

  destroy(error?: Error): void {
    this.inner.destroy(error)
  }

  sendCloseNotify(): boolean {
    return (this.inner as Partial<SecureLink>).sendCloseNotify?.() === true
  }

  dispose(): void {
    ;(this.inner as Partial<SecureLink>).dispose?.()
  }
}

class InnerSide implements ConnectionHandler {
  readonly link: WrappingLink
  readonly handler: ConnectionHandler
  constructor(link: WrappingLink, handler: ConnectionHandler) {
    this.link = link
    this.handler = handler
  }
  frame(f: Frame): void {
    this.link.receive(f, this.handler)
  }
  decodeError(e: CodecError): void {
    this.link.decodeFailed(e, this.handler)
  }
  drain(): void {
    this.handler.drain?.()
  }
  close(info: CloseInfo): void {
    this.link.closedWith(info, this.handler)
  }
}
