import { SCALE_CONNECTIONS_PER_PROCESS, SCALE_FD_HEADROOM } from '../constants.js'
import { WorkloadError } from '../errors.js'
import type { AgentHandle } from '../harness.js'
import type { Figure } from '../results.js'
import { nowNs, perSecond } from '../stats.js'
import { shares } from './broadcast.js'
import { figureMaker, variants, type Workload } from './common.js'

/**
 * Source addresses rotate over 127.0.0.10 … 127.0.0.249, a fresh one per client process and run: the ports of
 * the connections a previous run closed sit in TIME_WAIT for a minute, and binding to an address whose port
 * range is full of them slowed connecting ten-fold.
 */
let nextAddress = 0
function freshSourceAddress(): string {
  return `127.0.0.${10 + (nextAddress++ % 240)}`
}

/** How long all connections may take to open (a bound, not a timing). */
const SCALE_CONNECT_TIMEOUT_MS = 300_000

/**
 * The connections the server process can hold: all requested, or (the open-files limit could not be raised
 * that far: the hard limit needs CAP_SYS_RESOURCE) as many as fit, with a line on stderr saying so.
 */
async function connectionsWithin(limit: number, requested: number): Promise<number> {
  if (limit >= requested + SCALE_FD_HEADROOM) return requested
  const n = limit - SCALE_FD_HEADROOM
  if (n < 1) throw new WorkloadError(`the server process may open only ${limit} files`)
  process.stderr.write(
    `scale: the server process may open only ${limit} files (its hard limit; raising it needs root with CAP_SYS_RESOURCE: \`ulimit -Hn ${requested + SCALE_FD_HEADROOM}\` before the bench, systemd LimitNOFILE=, docker --ulimit nofile=): measuring ${n} connections instead of ${requested}\n`,
  )
  return n
}

/**
 * Scale: N idle connections (default 50,000) held by one server process. The clients are bare sockets in
 * ceil(N / 12,500) processes (at least 2), each bound to its own source address 127.0.0.x, since one
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
    const figures: Figure[] = []
    for (const v of variants(o)) {
      const fig = figureMaker('scale', v)
      ctx.phase(`${v.label} ${o.scaleConnections} connections`)
      const tag = `${v.impl}-${v.core}`
      const server = await ctx.spawn(`server-${tag}`, { fdLimit: o.scaleConnections + SCALE_FD_HEADROOM })
      const clients: AgentHandle[] = []
      try {
        const n = await connectionsWithin(await server.call('fdLimit', undefined), o.scaleConnections)
        const parts = shares(n, Math.max(2, Math.ceil(n / SCALE_CONNECTIONS_PER_PROCESS)))
        const { port } = await server.call('serverStart', { impl: v.impl, core: v.core, mode: 'sink' })
        for (const [i, count] of parts.entries()) {
          const c = await ctx.spawn(`idle${i}-${tag}`, { fdLimit: count + SCALE_FD_HEADROOM })
          clients.push(c)
          c.onProgress = (f) => ctx.subProgress(f)
        }
        await Promise.all(clients.map((c) => c.call('preload', { impl: 'baseline' })))
        const addresses = parts.map(() => freshSourceAddress())
        const before = await server.call('memory', undefined)
        const t0 = nowNs()
        const opened = await Promise.all(
          clients.map((c, i) =>
            c.call('idleOpen', {
              port,
              count: parts[i]!,
              localAddress: addresses[i]!,
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
        const failed = opened.reduce((sum, r) => sum + r.failed, 0)
        if (failed > 0) {
          const why = opened.find((r) => r.firstError !== undefined)?.firstError
          process.stderr.write(`scale: ${v.label}: ${failed} of ${n} connections failed (first: ${why})\n`)
        }
        const after = await server.call('memory', undefined)
        figures.push(
          fig('connections', connected, 'count', 'higher'),
          fig('requested', o.scaleConnections, 'count', 'higher'),
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
