import type { AgentHandle } from '../harness.js'
import { breakdownDelta } from '../heap-breakdown.js'
import type { MemorySample } from '../memory.js'
import type { Figure } from '../results.js'
import { nowNs, perSecond } from '../stats.js'
import {
  figureMaker,
  type Variant,
  variants,
  type Workload,
  type WorkloadContext,
  withPair,
} from './common.js'

interface Sampled {
  server0: MemorySample
  server1: MemorySample
  client0: MemorySample
  client1: MemorySample
  connectNs: number
  connected: number
}

async function sample(ctx: WorkloadContext, v: Variant, count: number, breakdown = false): Promise<Sampled> {
  return withPair(ctx, v, 'sink', async (server: AgentHandle, client: AgentHandle, port: number) => {
    await client.call('preload', { impl: v.impl })
    const heap0 = breakdown
      ? await Promise.all([server.call('heapBreakdown', undefined), client.call('heapBreakdown', undefined)])
      : undefined
    const [server0, client0] = await Promise.all([
      server.call('memory', undefined),
      client.call('memory', undefined),
    ])
    const t = nowNs()
    await client.call('clientsConnect', { impl: v.impl, port, count })
    const connected = await server.call('waitConnections', { count, timeoutMs: 30_000 })
    const connectNs = nowNs() - t
    const [server1, client1] = await Promise.all([
      server.call('memory', undefined),
      client.call('memory', undefined),
    ])
    if (heap0 !== undefined) {
      const [s1, c1] = await Promise.all([
        server.call('heapBreakdown', undefined),
        client.call('heapBreakdown', undefined),
      ])
      ctx.breakdown({
        impl: v.impl,
        core: v.core,
        side: 'server',
        connections: connected,
        rows: breakdownDelta(heap0[0], s1, connected),
      })
      ctx.breakdown({
        impl: v.impl,
        core: v.core,
        side: 'client',
        connections: count,
        rows: breakdownDelta(heap0[1], c1, count),
      })
    }
    return { server0, server1, client0, client1, connectNs, connected }
  })
}

/** Resident memory and JS heap: idle server, per connected client, N clients; then a scale run. */
export const memoryWorkload: Workload = {
  name: 'memory',
  description: 'resident memory and JS heap after GC: idle server, per client, N clients, and a scale run',
  phases: (o) => variants(o).length * 2,
  async run(ctx) {
    const o = ctx.options
    const figures: Figure[] = []
    for (const v of variants(o)) {
      const fig = figureMaker('memory', v)
      ctx.phase(`${v.label} ${o.memoryClients} clients`)
      const n = o.memoryClients
      const a = await sample(ctx, v, n, o.heapBreakdown)
      figures.push(
        fig('server.idle.rss', a.server0.rss, 'bytes', 'lower'),
        fig('server.idle.heapUsed', a.server0.heapUsed, 'bytes', 'lower'),
        fig('server.clients.rss', a.server1.rss, 'bytes', 'lower'),
        fig('server.clients.heapUsed', a.server1.heapUsed, 'bytes', 'lower'),
        fig('server.perClient.rss', (a.server1.rss - a.server0.rss) / n, 'bytes', 'lower'),
        fig('server.perClient.heapUsed', (a.server1.heapUsed - a.server0.heapUsed) / n, 'bytes', 'lower'),
        fig(
          'server.perClient.arrayBuffers',
          (a.server1.arrayBuffers - a.server0.arrayBuffers) / n,
          'bytes',
          'lower',
        ),
        fig('client.perClient.rss', (a.client1.rss - a.client0.rss) / n, 'bytes', 'lower'),
        fig('client.perClient.heapUsed', (a.client1.heapUsed - a.client0.heapUsed) / n, 'bytes', 'lower'),
        fig('clients', a.connected, 'count', 'higher'),
      )
      ctx.phase(`${v.label} scale ${o.connections} connections`)
      const c = o.connections
      const b = await sample(ctx, v, c)
      figures.push(
        fig('scale.connections', b.connected, 'count', 'higher'),
        fig('scale.connect.perSec', perSecond(b.connected, b.connectNs), 'conn/s', 'higher'),
        fig('scale.server.rss', b.server1.rss, 'bytes', 'lower'),
        fig('scale.server.rssPerConnection', (b.server1.rss - b.server0.rss) / c, 'bytes', 'lower'),
        fig(
          'scale.server.heapPerConnection',
          (b.server1.heapUsed - b.server0.heapUsed) / c,
          'bytes',
          'lower',
        ),
        fig(
          'scale.server.arrayBuffersPerConnection',
          (b.server1.arrayBuffers - b.server0.arrayBuffers) / c,
          'bytes',
          'lower',
        ),
        fig('scale.client.rssPerConnection', (b.client1.rss - b.client0.rss) / c, 'bytes', 'lower'),
        fig(
          'scale.client.heapPerConnection',
          (b.client1.heapUsed - b.client0.heapUsed) / c,
          'bytes',
          'lower',
        ),
        fig(
          'scale.client.arrayBuffersPerConnection',
          (b.client1.arrayBuffers - b.client0.arrayBuffers) / c,
          'bytes',
          'lower',
        ),
      )
    }
    return figures
  },
}
