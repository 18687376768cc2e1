import type { Connection } from '@veltix/transport'
import type { ConnectionStats } from './stats.js'
import { Tags } from './tags.js'

/** What a `ClientInfo` reads from the server's bookkeeping (internal). */
export interface ClientInfoSource {
  readonly handshakeDone: boolean
  readonly encrypted?: boolean
  readonly peerKey?: string | undefined
  stats(): ConnectionStats
}

/**
 * A connection as the server sees it (the reference's `ClientInfo`): its `conn`, its peer `addr`
 * (`[ip, port]`), whether the handshake is done, free-form tags (see {@link Tags}) and its counters.
 * The same object is passed to every callback for that connection, so tags set in one are seen in the next.
 */
export class ClientInfo extends Tags {
  /** The transport connection: pass it to `sender.send(request, client.conn)`. */
  readonly conn: Connection
  /** Local wall-clock time the connection was accepted, ms since the epoch. */
  readonly connectedAt: number
  readonly #source: ClientInfoSource
  #addr: readonly [string, number] | undefined

  constructor(conn: Connection, source: ClientInfoSource) {
    super()
    this.conn = conn
    this.connectedAt = Date.now()
    this.#source = source
    this.#addr = undefined
  }

  /** The peer's `[ip, port]` (the same array every time; made on first use). */
  get addr(): readonly [string, number] {
    this.#addr ??= [this.conn.remoteAddress, this.conn.remotePort]
    return this.#addr
  }

  /** True once the HELLO / HELLO_ACK exchange completed (stays true after the connection closes). */
  get handshakeDone(): boolean {
    return this.#source.handshakeDone
  }

  /** True when the connection is end-to-end encrypted. */
  get encrypted(): boolean {
    return this.#source.encrypted === true
  }

  /** Fingerprint (`SHA256:…`) of the client's authenticated identity key (mutual authentication), else undefined. */
  get clientKey(): string | undefined {
    return this.#source.peerKey
  }

  /** True once the connection started closing. */
  get closed(): boolean {
    return this.conn.closed
  }

  /** This connection's counters (a fresh snapshot). */
  stats(): ConnectionStats {
    return this.#source.stats()
  }

  override toString(): string {
    return `${this.conn.remoteAddress}:${this.conn.remotePort}`
  }
}
