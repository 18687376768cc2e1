import { DELIVERY_TIMEOUT_MS, WORKER_FRAME_SIZE, WORKER_HANDLER_SPIN_US } from '../constants.js'
import type { Figure } from '../results.js'
import { perSecond } from '../stats.js'
import { figureMaker, percent, type Variant, type Workload, withCpu, withPair } from './common.js'

/**
 * What the worker core is for (packages/transport/README.md): large inbound frames into a server whose main
 * thread is CPU-bound by its handler. One client streams 1 MiB frames; the server's handler busies the CPU
 * for WORKER_HANDLER_SPIN_US per frame. The worker core checks each large frame's CRC-32 on a worker thread,
 * so the main thread spends that time on the handler instead. Both Veltix cores always run here (whatever
 * `--core` says), and the baseline for scale; the figure to read is worker ÷ loop frames/s.
 */
export const workerCoreWorkload: Workload = {
  name: 'worker-core',
  description: `1 MiB inbound frames into a CPU-bound handler (${WORKER_HANDLER_SPIN_US} µs/frame): worker core vs loop core`,
  phases: (o) => workerVariants(o).length,
  async run(ctx) {
    const o = ctx.options
    const frames = o.workerFrames
    const warmup = Math.max(1, Math.ceil(frames / 10))
    const figures: Figure[] = []
    for (const v of workerVariants(o)) {
      const fig = figureMaker('worker-core', v)
      ctx.phase(`${v.label} ${frames} × 1 MiB`)
      await withPair(
        ctx,
        v,
        'spin',
        async (server, client, port) => {
          await client.call('clientsConnect', { impl: v.impl, port, count: 1 })
          await server.call('resetCount', { expected: warmup })
          await client.call('burst', { count: warmup, size: WORKER_FRAME_SIZE })
          await server.call('waitCount', { timeoutMs: DELIVERY_TIMEOUT_MS })
          await server.call('resetCount', { expected: frames })
          const main0 = await server.call('mainThreadActiveMs', undefined)
          const { result, serverUs } = await withCpu(server, client, async () => {
            const sent = await client.call('burst', { count: frames, size: WORKER_FRAME_SIZE })
            return { sent, got: await server.call('waitCount', { timeoutMs: DELIVERY_TIMEOUT_MS }) }
          })
          const mainMs = (await server.call('mainThreadActiveMs', undefined)) - main0
          const { sent, got } = result
          const ns = (got.reached ? got.doneNs : got.firstNs) - sent.startNs
          const n = Math.max(1, got.count)
          figures.push(
            fig('frames.perSec', perSecond(got.count, ns), 'msg/s', 'higher'),
            fig('MBps', perSecond(got.bytes, ns) / 1e6, 'MB/s', 'higher'),
            fig('success', percent(got.count, frames), '%', 'higher'),
            fig('server.cpuPerFrame', serverUs / n, 'us', 'lower'),
            fig('server.mainThreadBusyPerFrame', (mainMs * 1000) / n, 'us', 'lower'),
          )
        },
        WORKER_HANDLER_SPIN_US,
      )
    }
    return figures
  },
}

function workerVariants(o: { noBaseline: boolean; noVeltix: boolean }): Variant[] {
  const out: Variant[] = []
  if (!o.noBaseline) out.push({ impl: 'baseline', core: 'loop', label: 'baseline' })
  if (!o.noVeltix) {
    out.push({ impl: 'veltix', core: 'loop', label: 'veltix/loop' })
    out.push({ impl: 'veltix', core: 'worker', label: 'veltix/worker' })
  }
  return out
}
