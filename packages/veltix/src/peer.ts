import type { Request } from '@veltix/codec'
import { DispatchQueue } from '@veltix/router'
import { fingerprint, type Session } from '@veltix/session'
import type { Connection } from '@veltix/transport'
import { ClientInfo, type ClientInfoSource } from './client-info.js'
import type { RateWindow } from './limits.js'
import { type ConnectionStats, sessionStats } from './stats.js'

/**
 * One accepted connection (internal). It is the connection's `DispatchQueue` too (one object, not two), the
 * session's `data` (so one set of session callbacks per server serves every connection, no closures per
 * connection) and the source its `ClientInfo` reads. Memory per idle connection matters: fields are few and
 * declared in one order.
 */
export class Peer extends DispatchQueue implements ClientInfoSource {
  readonly conn: Connection
  session: Session | undefined
  readonly info: ClientInfo
  /** Set once `ON_DISCONNECT` has fired (or once it is known it never will). */
  ended: boolean
  /** Per-connection rate window (limits only). */
  window: RateWindow | undefined
  /** This connection resumed a dropped one (`resume`). */
  recovered: boolean
  /** Its resumable state (`resume` negotiated): alive while held or resumed elsewhere. */
  resume: { readonly alive: boolean } | undefined

  constructor(conn: Connection, id: string) {
    super()
    this.conn = conn
    this.session = undefined
    this.info = new ClientInfo(conn, this, id)
    this.ended = false
    this.window = undefined
    this.recovered = false
    this.resume = undefined
  }

  get handshakeDone(): boolean {
    return this.session?.handshakeDone ?? false
  }

  get encrypted(): boolean {
    return this.session?.encrypted ?? false
  }

  get peerKey(): string | undefined {
    const k = this.session?.peerIdentity
    return k === undefined ? undefined : fingerprint(k)
  }

  /** True when ON_CONNECT fired and ON_DISCONNECT has not: what `getAllClients()` lists. */
  get live(): boolean {
    return !this.ended && this.handshakeDone
  }

  send(request: Request): boolean {
    return this.session?.send(request) ?? false
  }

  closeGracefully(): Promise<void> {
    return this.session?.close() ?? this.conn.close()
  }

  stats(): ConnectionStats {
    return sessionStats(this.session)
  }
}
