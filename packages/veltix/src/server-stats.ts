import type { SessionCloseInfo } from '@veltix/session'
import type { LimitCounters } from './limits.js'
import type { Peer } from './peer.js'
import { addStats, emptyStats, type ServerStats } from './stats.js'

/**
 * The server's counters (internal): what the closed connections did, summed as each one ends, plus the
 * accept / handshake / auth tallies. `snapshot` adds the live connections' counters to them.
 */
export class ServerCounters {
  readonly #closed = emptyStats()
  acceptedTotal = 0
  handshakeFailures = 0
  authRefused = 0

  /** A connection ended: its counters move to the closed sum. */
  closed(peer: Peer, info: SessionCloseInfo): void {
    if (info.reason === 'auth-refused') this.authRefused++
    if (!peer.handshakeDone) this.handshakeFailures++
    addStats(this.#closed, { ...peer.stats(), pendingRequests: 0 })
  }

  snapshot(live: Iterable<Peer>, limits: LimitCounters): ServerStats {
    const sum = addStats(emptyStats(), this.#closed)
    let connections = 0
    let clients = 0
    for (const p of live) {
      connections++
      addStats(sum, p.stats())
      if (p.live) clients++
    }
    const { lastRtt: _unused, ...rest } = sum
    return {
      ...rest,
      connections,
      clients,
      acceptedTotal: this.acceptedTotal,
      handshakeFailures: this.handshakeFailures,
      authRefused: this.authRefused,
      limits: { ...limits },
      pluginErrors: 0,
    }
  }
}
