import { SCALE_CONNECTIONS_PER_PROCESS, SCALE_FD_HEADROOM } from '../constants.js'
import { WorkloadError } from '../errors.js'
import type { AgentHandle } from '../harness.js'
import type { Figure } from '../results.js'
import { nowNs, perSecond } from '../stats.js'
import { shares } from './broadcast.js'
import { figureMaker, variants, type Workload } from './common.js'

/** How long all connections may take to open (a bound, not a timing). */
const SCALE_CONNECT_TIMEOUT_MS = 300_000

/**
 * Scale: N idle connections (default 50,000) held by one server process. The clients are bare sockets in
 * ceil(N / 12,500) processes (at least 2), each bound to its own source address 127.0.0.(1 + i), since one
 * source address has only ~28,000 ephemeral ports towards one server port; for Veltix they answer the
 * handshake (idle-clients.ts). Every process is started with its open-files limit raised (`ulimit -n` in the
 * shell that starts it; see SpawnOptions.fdLimit). Server memory is sampled after GC before and after.
 */
export const scaleWorkload: Workload = {
  name: 'scale',
  description: 'N idle connections in one server process: RSS and heap per connection, handshakes/s',
  phases: (o) => variants(o).length,
  async run(ctx) {
    const o = ctx.options
    const n = o.scaleConnections
    const parts = shares(n, Math.max(2, Math.ceil(n / SCALE_CONNECTIONS_PER_PROCESS)))
    const figures: Figure[] = []
    for (const v of variants(o)) {
      const fig = figureMaker('scale', v)
      ctx.phase(`${v.label} ${n} connections`)
      const tag = `${v.impl}-${v.core}`
      const server = await ctx.spawn(`server-${tag}`, { fdLimit: n + SCALE_FD_HEADROOM })
      const clients: AgentHandle[] = []
      try {
        const limit = await server.call('fdLimit', undefined)
        if (limit < n + 64) {
          throw new WorkloadError(
            `the server process may open only ${limit} files, ${n} connections need more: run the bench as root or raise the hard limit first (ulimit -Hn ${n + SCALE_FD_HEADROOM})`,
          )
        }
        const { port } = await server.call('serverStart', { impl: v.impl, core: v.core, mode: 'sink' })
        for (const [i, count] of parts.entries()) {
          const c = await ctx.spawn(`idle${i}-${tag}`, { fdLimit: count + SCALE_FD_HEADROOM })
          clients.push(c)
          c.onProgress = (f) => ctx.subProgress(f)
        }
        await Promise.all(clients.map((c) => c.call('preload', { impl: 'baseline' })))
        const before = await server.call('memory', undefined)
        const t0 = nowNs()
        await Promise.all(
          clients.map((c, i) =>
            c.call('idleOpen', {
              port,
              count: parts[i]!,
              localAddress: `127.0.0.${1 + i}`,
              handshake: v.impl === 'veltix',
            }),
          ),
        )
        const connected = await server.call('waitConnections', {
          count: n,
          timeoutMs: SCALE_CONNECT_TIMEOUT_MS,
          pollMs: 20,
        })
        const connectNs = nowNs() - t0
        const after = await server.call('memory', undefined)
        figures.push(
          fig('connections', connected, 'count', 'higher'),
          fig('connected', (100 * connected) / n, '%', 'higher'),
          // Veltix: handshakes completed (HELLO, HELLO_ACK) per second; raw: connections accepted per second.
          fig('handshakes.perSec', perSecond(connected, connectNs), 'conn/s', 'higher'),
          fig('server.rss', after.rss, 'bytes', 'lower'),
          fig('server.rssPerConnection', (after.rss - before.rss) / n, 'bytes', 'lower'),
          fig('server.heapPerConnection', (after.heapUsed - before.heapUsed) / n, 'bytes', 'lower'),
          fig(
            'server.arrayBuffersPerConnection',
            (after.arrayBuffers - before.arrayBuffers) / n,
            'bytes',
            'lower',
          ),
        )
      } finally {
        await Promise.all(clients.map((c) => c.close()))
        await server.close()
      }
    }
    return figures
  },
}
