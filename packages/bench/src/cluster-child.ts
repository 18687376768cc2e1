// Entry point of a process of the cluster workload (forked by workloads/cluster.ts): optionally one Veltix
// server (alone, or a node of a Redis cluster), plus clients that time every broadcast they receive. Times
// are CLOCK_MONOTONIC (process.hrtime), the same clock in every process of the machine, so a delivery's
// latency is its receive time minus the send time carried in the payload's first 8 bytes.
import { redisCluster } from '@veltix/redis'
import { Client, Events, MessageType, noopLogger, Request, Server } from 'veltix'

const DATA = new MessageType(300, 'bench-data')

let server: Server | undefined
let clients: Client[] = []
let received = 0
let lastNs = 0
let target = Number.POSITIVE_INFINITY
let wake: (() => void) | undefined
let latencies: number[] = []

const now = (): number => Number(process.hrtime.bigint())

function onData(payload: Uint8Array): void {
  const t = now()
  received++
  lastNs = t
  latencies.push((t - Buffer.from(payload.buffer, payload.byteOffset, 8).readDoubleLE(0)) / 1000)
  if (received >= target) wake?.()
}

const ops = {
  async start(args: { redisUrl?: string; name: string }): Promise<{ port: number; nodeId: string }> {
    const cluster =
      args.redisUrl === undefined ? undefined : redisCluster({ url: args.redisUrl, name: args.name })
    server = new Server({ host: '127.0.0.1', port: 0, logger: noopLogger, ...(cluster ? { cluster } : {}) })
    server.registerMessageType(DATA)
    await server.start()
    if (cluster !== undefined && !server.cluster.available) throw new Error('the node could not join Redis')
    return { port: server.port, nodeId: server.nodeId }
  },

  async connect(args: { port: number; count: number }): Promise<number> {
    for (let i = 0; i < args.count; i++) {
      const c = new Client({ serverAddr: '127.0.0.1', port: args.port, logger: noopLogger })
      c.registerMessageType(DATA)
      c.setCallback(Events.ON_RECV, (r) => onData(r.content))
      if (!(await c.connect())) throw new Error(`client ${i} could not connect to ${args.port}`)
      clients.push(c)
    }
    return clients.length
  },

  /** Waits until the server sees `count` clients (local ones, or the whole cluster's). */
  async waitClients(args: { count: number; timeoutMs: number }): Promise<number> {
    const deadline = Date.now() + args.timeoutMs
    for (;;) {
      const n = (await server!.cluster.fetchClients()).length
      if (n >= args.count || Date.now() > deadline) return n
      await new Promise((r) => setTimeout(r, 20))
    }
  },

  async reset(args: { expected: number }): Promise<void> {
    received = 0
    lastNs = 0
    latencies = []
    target = args.expected
  },

  /**
   * Sends `count` broadcasts through `server.cluster.broadcast` (the same call on one node and on many):
   * at most `window` of them unsettled at once, or paced at `hz` when given.
   */
  async broadcast(args: { count: number; size: number; window: number; hz?: number }) {
    const s = server!
    const startNs = now()
    const inFlight = new Set<Promise<unknown>>()
    const period = args.hz === undefined ? 0 : 1e9 / args.hz
    for (let i = 0; i < args.count; i++) {
      if (period > 0) {
        const due = startNs + i * period
        const wait = (due - now()) / 1e6
        if (wait > 1) await new Promise((r) => setTimeout(r, wait))
      }
      const payload = Buffer.alloc(args.size)
      payload.writeDoubleLE(now(), 0)
      const p = s.cluster.broadcast(new Request(DATA, payload)).finally(() => inFlight.delete(p))
      inFlight.add(p)
      if (inFlight.size >= args.window) await Promise.race(inFlight)
    }
    await Promise.all(inFlight)
    return { startNs, sentNs: now() }
  },

  async wait(args: {
    timeoutMs: number
  }): Promise<{ received: number; lastNs: number; latenciesUs: number[] }> {
    if (received < target) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, args.timeoutMs)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      wake = undefined
    }
    return { received, lastNs, latenciesUs: latencies }
  },

  async close(): Promise<void> {
    await Promise.all(clients.map((c) => c.disconnect()))
    clients = []
    await server?.closeAll()
    server = undefined
  },
}

type Op = keyof typeof ops

process.on('message', (m: { id: number; op: Op; args: never }) => {
  ops[m.op](m.args).then(
    (result: unknown) => process.send?.({ id: m.id, ok: true, result }),
    (e: Error) => process.send?.({ id: m.id, ok: false, error: `${e.name}: ${e.message}` }),
  )
})
process.on('disconnect', () => {
  void ops.close().finally(() => process.exit(0))
})
process.send?.({ ready: true })
