import { DELIVERY_TIMEOUT_MS } from '../constants.js'
import type { Figure } from '../results.js'
import { perSecond } from '../stats.js'
import { figureMaker, percent, variants, type Workload, withCpu, withPair } from './common.js'

/** One client sends N small messages as fast as backpressure allows; the server's handler counts them. */
export const burstWorkload: Workload = {
  name: 'burst',
  description: 'one client sends N small messages as fast as it can (respecting backpressure)',
  phases: (o) => variants(o, { raw4: true, peers: true }).length,
  async run(ctx) {
    const o = ctx.options
    const figures: Figure[] = []
    for (const v of variants(o, { raw4: true, peers: true })) {
      const fig = figureMaker('burst', v)
      ctx.phase(`${v.label} ${o.burstCount} × ${o.messageSize} B`)
      await withPair(ctx, v, 'sink', async (server, client, port) => {
        await client.call('clientsConnect', { impl: v.impl, port, count: 1 })
        if (o.throughputWarmup > 0) {
          // Unmeasured, on the same connection: the measured burst then runs on compiled code.
          await server.call('resetCount', { expected: o.throughputWarmup })
          await client.call('burst', { count: o.throughputWarmup, size: o.messageSize })
          await server.call('waitCount', { timeoutMs: DELIVERY_TIMEOUT_MS })
        }
        await server.call('resetCount', { expected: o.burstCount })
        const { result, serverUs, clientUs } = await withCpu(server, client, async () => {
          const sent = await client.call('burst', { count: o.burstCount, size: o.messageSize })
          return { sent, got: await server.call('waitCount', { timeoutMs: DELIVERY_TIMEOUT_MS }) }
        })
        const { sent, got } = result
        const recvNs = (got.reached ? got.doneNs : got.firstNs) - sent.startNs
        figures.push(
          fig('send.msgPerSec', perSecond(sent.sent, sent.endNs - sent.startNs), 'msg/s', 'higher'),
          fig('receive.msgPerSec', perSecond(got.count, recvNs), 'msg/s', 'higher'),
          fig('receive.MBps', perSecond(got.bytes, recvNs) / 1e6, 'MB/s', 'higher'),
          fig('success', percent(got.count, sent.sent), '%', 'higher'),
          fig('server.cpuPerMsg', serverUs / Math.max(1, got.count), 'us', 'lower'),
          fig('client.cpuPerMsg', clientUs / sent.sent, 'us', 'lower'),
        )
      })
    }
    return figures
  },
}
