import { DELIVERY_TIMEOUT_MS } from '../constants.js'
import type { Figure } from '../results.js'
import { perSecond } from '../stats.js'
import { figureMaker, percent, variants, type Workload, withCpu, withPair } from './common.js'

/** "64B", "1KiB", "64KiB", "1MiB". */
export function sizeLabel(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}MiB`
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024}KiB`
  return `${bytes}B`
}

/** One client streams messages of each size; the server counts. */
export const throughputWorkload: Workload = {
  name: 'throughput-by-size',
  description: 'one client streams 64 B, 1 KiB, 64 KiB and 1 MiB payloads; messages/s and MB/s',
  phases: (o) => variants(o).length * o.sizePlan.length,
  async run(ctx) {
    const o = ctx.options
    const figures: Figure[] = []
    for (const v of variants(o)) {
      const fig = figureMaker('throughput-by-size', v)
      await withPair(ctx, v, 'sink', async (server, client, port) => {
        await client.call('clientsConnect', { impl: v.impl, port, count: 1 })
        for (const { size, count } of o.sizePlan) {
          const label = sizeLabel(size)
          ctx.phase(`${v.label} ${count} × ${label}`)
          await server.call('resetCount', { expected: count })
          const { result, serverUs, clientUs } = await withCpu(server, client, async () => {
            const sent = await client.call('burst', { count, size })
            return { sent, got: await server.call('waitCount', { timeoutMs: DELIVERY_TIMEOUT_MS }) }
          })
          const { sent, got } = result
          const ns = (got.reached ? got.doneNs : got.firstNs) - sent.startNs
          figures.push(
            fig(`${label}.msgPerSec`, perSecond(got.count, ns), 'msg/s', 'higher'),
            fig(`${label}.MBps`, perSecond(got.bytes, ns) / 1e6, 'MB/s', 'higher'),
            fig(`${label}.success`, percent(got.count, count), '%', 'higher'),
            fig(`${label}.cpuPerMsg`, (serverUs + clientUs) / count, 'us', 'lower'),
          )
        }
      })
    }
    return figures
  },
}
