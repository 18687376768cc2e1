import type { Request } from '@veltix/codec'
import type { Connection } from '@veltix/transport'
import type { ConnectionStats } from './stats.js'
import { Tags } from './tags.js'

/** What a `ClientInfo` reads from, and does through, the server's bookkeeping of the connection (internal). */
export interface ClientInfoSource {
  readonly handshakeDone: boolean
  readonly encrypted?: boolean
  readonly peerKey?: string | undefined
  readonly recovered?: boolean
  /** A resumable state (`resume`): while alive, a closed connection still takes sends (kept, replayed). */
  readonly resume?: { readonly alive: boolean } | undefined
  stats(): ConnectionStats
  /** Sends through the connection's session; false when it did not take the frame. */
  send(request: Request): boolean
  /** Graceful close through the session (close-notify when encrypted, queued frames flushed). */
  closeGracefully(): Promise<void>
}

let infoOfHandle: (handle: ClientConnection) => ClientInfo
let sourceOfInfo: (info: ClientInfo) => ClientInfoSource
let connectionOfInfo: (info: ClientInfo) => Connection

/**
 * A server-side client's connection as an application holds it (`client.conn`, `getAllClientsSockets()`): its
 * peer address, whether it is closed, and a graceful `close()`. It identifies the client to `sender.send`,
 * `sender.broadcast` (targets and `except`), `sendAndWait` and `pingClient`; it has no way to write frames
 * past the session (what it sends goes through the session: handshake state, encryption and counters hold).
 */
export class ClientConnection {
  static {
    infoOfHandle = (handle) => handle.#info
  }

  readonly #info: ClientInfo

  /** @internal Made by `ClientInfo`. */
  constructor(info: ClientInfo) {
    this.#info = info
  }

  /** Unique among the connections of its server's transport. */
  get id(): number {
    return connectionOfInfo(this.#info).id
  }

  get remoteAddress(): string {
    return connectionOfInfo(this.#info).remoteAddress
  }

  get remotePort(): number {
    return connectionOfInfo(this.#info).remotePort
  }

  get remoteFamily(): string {
    return connectionOfInfo(this.#info).remoteFamily
  }

  /** True once the connection started closing. */
  get closed(): boolean {
    return connectionOfInfo(this.#info).closed
  }

  /** Graceful close: what was queued is flushed (encrypted: close-notify first); resolves once closed. */
  close(): Promise<void> {
    return sourceOfInfo(this.#info).closeGracefully()
  }

  toString(): string {
    return this.#info.toString()
  }
}

/**
 * A connection as the server sees it (the reference's `ClientInfo`): its peer `addr` (`[ip, port]`), whether
 * the handshake is done, free-form tags (see {@link Tags}), its counters, `send` and `conn` (the handle
 * `sender.send` / `sender.broadcast` take). The same object is passed to every callback for that connection,
 * so tags set in one are seen in the next.
 */
export class ClientInfo extends Tags {
  static {
    sourceOfInfo = (info) => info.#source
    connectionOfInfo = (info) => info.#conn
  }

  /** Unique across the cluster (`<nodeId>-<n>`, see `server.cluster`): what `server.cluster.send` takes. */
  readonly id: string
  /** Local wall-clock time the connection was accepted, ms since the epoch. */
  readonly connectedAt: number
  readonly #conn: Connection
  readonly #source: ClientInfoSource
  #addr: readonly [string, number] | undefined
  #handle: ClientConnection | undefined

  /** @internal Made by `Server` for each accepted connection. */
  constructor(conn: Connection, source: ClientInfoSource, id = '') {
    super()
    this.id = id
    this.connectedAt = Date.now()
    this.#conn = conn
    this.#source = source
    this.#addr = undefined
    this.#handle = undefined
  }

  /** The connection handle: pass it to `sender.send(request, client.conn)` (the `ClientInfo` works too). */
  get conn(): ClientConnection {
    this.#handle ??= new ClientConnection(this)
    return this.#handle
  }

  /** The peer's `[ip, port]` (the same array every time; made on first use). */
  get addr(): readonly [string, number] {
    this.#addr ??= [this.#conn.remoteAddress, this.#conn.remotePort]
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

  /** True when this connection resumed a dropped one within the window (`resume`): nothing was lost. */
  get recovered(): boolean {
    return this.#source.recovered === true
  }

  /** Fingerprint (`SHA256:…`) of the client's authenticated identity key (mutual authentication), else undefined. */
  get clientKey(): string | undefined {
    return this.#source.peerKey
  }

  /** True once the connection started closing. */
  get closed(): boolean {
    return this.#conn.closed
  }

  /** Sends `request` to this client (through its session); false, never a throw, when it is closing or closed. */
  send(request: Request): boolean {
    if (this.#conn.closed && this.#source.resume?.alive !== true) return false
    return this.#source.send(request)
  }

  /** This connection's counters (a fresh snapshot). */
  stats(): ConnectionStats {
    return this.#source.stats()
  }

  override toString(): string {
    return `${this.#conn.remoteAddress}:${this.#conn.remotePort}`
  }
}

/** @internal The `ClientInfo` behind a target given to a server (a `ClientInfo` or its `conn`), else undefined. */
export function clientInfoOf(target: unknown): ClientInfo | undefined {
  if (target instanceof ClientInfo) return target
  if (target instanceof ClientConnection) return infoOfHandle(target)
  return undefined
}

/** @internal The bookkeeping behind a `ClientInfo` (the server's peer). */
export function clientSource(info: ClientInfo): ClientInfoSource {
  return sourceOfInfo(info)
}
