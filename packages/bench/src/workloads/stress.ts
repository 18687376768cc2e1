import { DELIVERY_TIMEOUT_MS } from '../constants.js'
import type { Figure } from '../results.js'
import { perSecond } from '../stats.js'
import { figureMaker, percent, variants, type Workload, withCpu, withPair } from './common.js'

/** Many clients at once, each sending its share; the server counts. */
export const stressWorkload: Workload = {
  name: 'stress',
  description: 'concurrent clients each sending M messages; messages/s and success rate',
  phases: (o) => variants(o, { raw4: true }).length * 2,
  async run(ctx) {
    const o = ctx.options
    const figures: Figure[] = []
    const expected = o.stressClients * o.stressMessages
    for (const v of variants(o, { raw4: true })) {
      const fig = figureMaker('stress', v)
      await withPair(ctx, v, 'sink', async (server, client, port) => {
        ctx.phase(`${v.label} connect ${o.stressClients}`)
        await client.call('clientsConnect', { impl: v.impl, port, count: o.stressClients })
        if (o.throughputWarmup > 0) {
          // Unmeasured, on the same connections: the measured run then runs on compiled code.
          const perClient = Math.max(1, Math.ceil(o.throughputWarmup / o.stressClients))
          await server.call('resetCount', { expected: perClient * o.stressClients })
          await client.call('stress', { perClient, size: o.messageSize })
          await server.call('waitCount', { timeoutMs: DELIVERY_TIMEOUT_MS })
        }
        ctx.phase(`${v.label} ${o.stressClients} × ${o.stressMessages}`)
        await server.call('resetCount', { expected })
        const { result, serverUs, clientUs } = await withCpu(server, client, async () => {
          const sent = await client.call('stress', { perClient: o.stressMessages, size: o.messageSize })
          return { sent, got: await server.call('waitCount', { timeoutMs: DELIVERY_TIMEOUT_MS }) }
        })
        const { sent, got } = result
        const ns = (got.reached ? got.doneNs : got.firstNs) - sent.startNs
        figures.push(
          fig('msgPerSec', perSecond(got.count, ns), 'msg/s', 'higher'),
          fig('MBps', perSecond(got.bytes, ns) / 1e6, 'MB/s', 'higher'),
          fig('success', percent(got.count, expected), '%', 'higher'),
          fig('server.cpuPerMsg', serverUs / Math.max(1, got.count), 'us', 'lower'),
          fig('client.cpuPerMsg', clientUs / sent.sent, 'us', 'lower'),
        )
      })
    }
    return figures
  },
}
