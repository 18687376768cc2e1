import type { Request } from '@veltix/codec'
import { DispatchQueue } from '@veltix/router'
import { fingerprint, type Session } from '@veltix/session'
import type { Connection } from '@veltix/transport'
import { ClientInfo, type ClientInfoSource } from './client-info.js'
import type { RateWindow } from './limits.js'
import type { PluginHost } from './plugins/host.js'
import { type ConnectionStats, sessionStats } from './stats.js'

/** The server's plugins with an outbound hook, shared by its peers (internal; one object per server). */
export interface PeerOutbound {
  plugins: PluginHost<ClientInfo> | undefined
}

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
  readonly outbound: PeerOutbound

  constructor(conn: Connection, id: string, outbound: PeerOutbound) {
    super()
    this.conn = conn
    this.session = undefined
    this.info = new ClientInfo(conn, this, id)
    this.ended = false
    this.window = undefined
    this.recovered = false
    this.resume = undefined
    this.outbound = outbound
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

  /** Every single send of the server passes here (`send`, `ClientInfo.send`, replies, `ctx.send`). */
  send(request: Request): boolean {
    const s = this.session
    if (s === undefined || !s.send(request)) return false
    // One field test while no plugin observes sends.
    const out = this.outbound.plugins
    if (out !== undefined) out.sent(request, this.info)
    return true
  }

  closeGracefully(): Promise<void> {
    return this.session?.close() ?? this.conn.close()
  }

  stats(): ConnectionStats {
    return sessionStats(this.session)
  }
}
