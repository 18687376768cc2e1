import {
  BROADCAST_MESSAGE_SIZE,
  BROADCAST_PER_TURN,
  BROADCAST_PROCESSES,
  BROADCAST_WARMUP_MESSAGES,
  DELIVERY_TIMEOUT_MS,
} from '../constants.js'
import { WorkloadError } from '../errors.js'
import type { AgentHandle } from '../harness.js'
import type { Figure } from '../results.js'
import { perSecond } from '../stats.js'
import {
  figureMaker,
  percent,
  type Variant,
  variants,
  type Workload,
  type WorkloadContext,
} from './common.js'

/** Splits `total` into `parts` near-equal positive shares. */
export function shares(total: number, parts: number): number[] {
  const n = Math.max(1, Math.min(parts, total))
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0))
}

/** One server and clients spread over a few processes, every client counting what it receives. */
async function withFanOut<T>(
  ctx: WorkloadContext,
  v: Variant,
  clients: number,
  fn: (server: AgentHandle, groups: { agent: AgentHandle; count: number }[]) => Promise<T>,
): Promise<T> {
  const tag = `${v.impl}-${v.core}`
  const server = await ctx.spawn(`server-${tag}`)
  const groups: { agent: AgentHandle; count: number }[] = []
  try {
    server.onProgress = (f) => ctx.subProgress(f)
    const { port } = await server.call('serverStart', { impl: v.impl, core: v.core, mode: 'sink' })
    for (const [i, count] of shares(clients, BROADCAST_PROCESSES).entries()) {
      groups.push({ agent: await ctx.spawn(`clients${i}-${tag}`), count })
    }
    await Promise.all(
      groups.map((g) => g.agent.call('clientsConnect', { impl: v.impl, port, count: g.count })),
    )
    const connected = await server.call('waitConnections', { count: clients, timeoutMs: 30_000, pollMs: 20 })
    if (connected < clients) throw new WorkloadError(`only ${connected} of ${clients} clients connected`)
    return await fn(server, groups)
  } finally {
    await Promise.all(groups.map((g) => g.agent.close()))
    await server.close()
  }
}

/**
 * Broadcast fan-out: one server, N connected clients (default 1,000, over BROADCAST_PROCESSES processes); the
 * server broadcasts M 64-byte messages as fast as it can. Deliveries/s = receipts counted by all clients over
 * the time from the first broadcast to the last receipt. The baseline encodes each broadcast once and copies
 * it to every socket's per-tick slab (one write per socket per tick).
 */
export const broadcastWorkload: Workload = {
  name: 'broadcast',
  description: 'one server broadcasts a stream of 64-byte messages to N clients (fan-out); deliveries/s',
  phases: (o) => variants(o).length,
  async run(ctx) {
    const o = ctx.options
    const n = o.broadcastClients
    const m = o.broadcastMessages
    const figures: Figure[] = []
    for (const v of variants(o)) {
      const fig = figureMaker('broadcast', v)
      ctx.phase(`${v.label} ${m} × ${n} clients`)
      await withFanOut(ctx, v, n, async (server, groups) => {
        const round = async (count: number) => {
          await Promise.all(groups.map((g) => g.agent.call('resetCount', { expected: g.count * count })))
          const cpu = () =>
            Promise.all([server, ...groups.map((g) => g.agent)].map((a) => a.call('cpu', undefined)))
          const c0 = await cpu()
          const sent = await server.call('broadcastStream', {
            count,
            size: BROADCAST_MESSAGE_SIZE,
            perTurn: BROADCAST_PER_TURN,
          })
          const got = await Promise.all(
            groups.map((g) => g.agent.call('waitCount', { timeoutMs: DELIVERY_TIMEOUT_MS })),
          )
          const c1 = await cpu()
          const serverUs = c1[0]! - c0[0]!
          const clientsUs = c1.reduce((sum, c, i) => sum + (i === 0 ? 0 : c - c0[i]!), 0)
          return { sent, got, serverUs, clientsUs }
        }
        await round(Math.min(m, BROADCAST_WARMUP_MESSAGES)) // unmeasured: compiled code for the measured run
        const { sent, got, serverUs, clientsUs } = await round(m)
        const delivered = got.reduce((sum, g) => sum + g.count, 0)
        const lastNs = Math.max(...got.map((g) => (g.reached ? g.doneNs : g.firstNs)))
        figures.push(
          fig('deliveries.perSec', perSecond(delivered, lastNs - sent.startNs), 'msg/s', 'higher'),
          fig('broadcasts.perSec', perSecond(m, sent.endNs - sent.startNs), 'msg/s', 'higher'),
          fig('success', percent(delivered, n * m), '%', 'higher'),
          fig('accepted', percent(sent.accepted, n * m), '%', 'higher'),
          fig('server.cpuPerDelivery', serverUs / Math.max(1, delivered), 'us', 'lower'),
          // The receiving side: every client process's CPU, summed (they share the 2 cores with the server).
          fig('clients.cpuPerDelivery', clientsUs / Math.max(1, delivered), 'us', 'lower'),
          fig('clients', n, 'count', 'higher'),
        )
      })
    }
    return figures
  },
}
