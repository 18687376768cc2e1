import type { Figure } from '../results.js'
import { perSecond } from '../stats.js'
import { figureMaker, percent, variants, type Workload, withCpu, withPair } from './common.js'

/** Ping and sendAndWait round trips, one at a time, on one connection. */
export const latencyWorkload: Workload = {
  name: 'latency',
  description: 'ping and sendAndWait round trips (sequential), percentiles in µs',
  phases: (o) => variants(o, { raw4: true, peers: true }).length * 2,
  async run(ctx) {
    const o = ctx.options
    const figures: Figure[] = []
    for (const v of variants(o, { raw4: true, peers: true })) {
      const fig = figureMaker('latency', v)
      await withPair(ctx, v, 'echo', async (server, client, port) => {
        await client.call('clientsConnect', { impl: v.impl, port, count: 1 })
        for (const kind of ['ping', 'request'] as const) {
          const name = kind === 'ping' ? 'ping' : 'sendAndWait'
          ctx.phase(`${v.label} ${name}`)
          const {
            result: r,
            serverUs,
            clientUs,
          } = await withCpu(server, client, () =>
            client.call('latency', {
              kind,
              warmup: o.latencyWarmup,
              count: o.latencyCount,
              size: o.messageSize,
            }),
          )
          const trips = o.latencyWarmup + o.latencyCount
          const s = r.summary
          figures.push(
            fig(`${name}.p50`, s.p50, 'us', 'lower'),
            fig(`${name}.p95`, s.p95, 'us', 'lower'),
            fig(`${name}.p99`, s.p99, 'us', 'lower'),
            fig(`${name}.p999`, s.p999, 'us', 'lower'),
            fig(`${name}.max`, s.max, 'us', 'lower'),
            fig(`${name}.cpuPerRoundTrip`, (serverUs + clientUs) / trips, 'us', 'lower'),
            fig(`${name}.rps`, perSecond(o.latencyCount, r.elapsedNs), 'rt/s', 'higher'),
            fig(
              `${name}.success`,
              percent(o.latencyWarmup + o.latencyCount - r.failures, o.latencyWarmup + o.latencyCount),
              '%',
              'higher',
            ),
          )
        }
      })
    }
    return figures
  },
}
