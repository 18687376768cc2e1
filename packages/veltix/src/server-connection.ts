import type { Session } from '@veltix/session'
import type { Connection, FrameStats } from '@veltix/transport'

let sessionOfHandle: (handle: ServerConnection) => Session

/** @internal The live connection behind a `client.connection` handle (the client's own send paths use it). */
export function connectionOfHandle(handle: ServerConnection): Connection {
  return sessionOfHandle(handle).connection
}

/**
 * A client's connection to its server as an application holds it (`client.connection`): its addresses,
 * whether it is closed, its queued bytes and wire counters, and a graceful `close()`. It is the client-side twin of
 * `clientInfo.conn` (`ClientConnection`): it identifies the connection to `client.sender` and has no way to
 * write frames past the session, so the handshake state, encryption and counters hold.
 */
export class ServerConnection {
  static {
    sessionOfHandle = (handle) => handle.#session
  }

  readonly #session: Session

  /** @internal Made by `Client`, one per connection. */
  constructor(session: Session) {
    this.#session = session
  }

  /** Unique within the client's transport. */
  get id(): number {
    return this.#session.connection.id
  }

  get remoteAddress(): string {
    return this.#session.connection.remoteAddress
  }

  get remotePort(): number {
    return this.#session.connection.remotePort
  }

  get remoteFamily(): string {
    return this.#session.connection.remoteFamily
  }

  get localAddress(): string {
    return this.#session.connection.localAddress
  }

  get localPort(): number {
    return this.#session.connection.localPort
  }

  /** True once the connection started closing. */
  get closed(): boolean {
    return this.#session.connection.closed
  }

  /** Bytes queued and not yet handed to the OS: read it for flow control (e.g. wait while it is high). */
  get bufferedAmount(): number {
    return this.#session.connection.bufferedAmount
  }

  /** True when the socket is TLS (`tls` option); the session's own encryption is `client.encrypted`. */
  get encrypted(): boolean {
    return this.#session.connection.encrypted === true
  }

  /** Frames and bytes as they crossed the wire (after compression or encryption), read-only. */
  get stats(): Readonly<FrameStats> {
    return this.#session.connection.stats
  }

  /**
   * Graceful close of this connection: what was queued is flushed (encrypted: close-notify first); resolves
   * once closed. The client sees a lost connection (with `retry` it reconnects); `client.disconnect()` stops.
   */
  close(): Promise<void> {
    return this.#session.close()
  }

  toString(): string {
    return `ServerConnection(${this.remoteAddress}:${this.remotePort})`
  }
}
