import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { CHILD_EXIT_TIMEOUT_MS } from '../constants.js'
import { ChildProcessError } from '../errors.js'
import type { Figure } from '../results.js'
import { summarize } from '../stats.js'
import { percent, type Workload } from './common.js'

/** Clients per process (the issue's 2 nodes × 100 clients; the single node serves both processes' clients). */
const CLIENTS_PER_PROCESS = 100
/** Broadcasts of the throughput phase, and how many may be unsettled at once. */
const THROUGHPUT_BROADCASTS = 2_000
const QUICK_THROUGHPUT_BROADCASTS = 500
const WINDOW = 64
/** Broadcasts of the latency phase, paced (unsaturated) at LATENCY_HZ. */
const LATENCY_BROADCASTS = 300
const QUICK_LATENCY_BROADCASTS = 150
const LATENCY_HZ = 50
const WARMUP_BROADCASTS = 300
const PAYLOAD_BYTES = 64
const DELIVERY_TIMEOUT_MS = 30_000

/**
 * Cross-node broadcast over Redis (`@veltix/redis`). Two client processes hold 100 clients each. "baseline"
 * here is the same `server.cluster.broadcast` on ONE Veltix node (a process of its own) serving all 200
 * clients, no Redis; "veltix" is two nodes of a Redis cluster (a process each), 100 clients on each,
 * broadcasting from the first. Deliveries/s count every client's
 * receipt; latency is send-to-receipt per delivery (one clock, CLOCK_MONOTONIC, across processes). Skipped,
 * with one line saying so, when no redis-server is installed.
 */
export const clusterWorkload: Workload = {
  name: 'cluster',
  description: 'cross-node broadcast over Redis, 2 nodes × 100 clients vs one node (baseline = one node)',
  phases: () => 6,
  async run(ctx) {
    const bin = redisServerPath()
    if (bin === undefined) {
      console.log(
        'cluster: SKIPPED, no redis-server found (apt-get install redis-server, brew install redis, or docker run -p 6379:6379 redis:7)',
      )
      return []
    }
    const o = ctx.options
    const throughputCount = o.quick ? QUICK_THROUGHPUT_BROADCASTS : THROUGHPUT_BROADCASTS
    const latencyCount = o.quick ? QUICK_LATENCY_BROADCASTS : LATENCY_BROADCASTS
    const redis = await startRedis(bin)
    const figures: Figure[] = []
    try {
      for (const impl of ['baseline', 'veltix'] as const) {
        const cross = impl === 'veltix'
        const label = cross ? '2 nodes over Redis' : '1 node'
        const fig = (
          name: string,
          value: number,
          unit: Figure['unit'],
          better: Figure['better'],
        ): Figure => ({
          workload: 'cluster',
          impl,
          core: 'loop',
          name,
          value,
          unit,
          better,
        })
        // Servers and clients in processes of their own, as in a deployment: s1 (and s2) serve, c1 and c2
        // hold 100 clients each (of s1 and s2 across nodes; both of s1 on one node).
        const procs: ClusterChild[] = []
        const child = async () => {
          const c = await ClusterChild.start()
          procs.push(c)
          return c
        }
        try {
          const s1 = await child()
          const s2 = cross ? await child() : undefined
          const clients = [await child(), await child()]
          const name = `bench-${process.pid}-${Date.now()}`
          const a = await s1.call<{ port: number }>('start', {
            redisUrl: cross ? redis.url : undefined,
            name,
          })
          const b =
            s2 === undefined ? a : await s2.call<{ port: number }>('start', { redisUrl: redis.url, name })
          await clients[0]!.call('connect', { port: a.port, count: CLIENTS_PER_PROCESS })
          await clients[1]!.call('connect', { port: b.port, count: CLIENTS_PER_PROCESS })
          const all = 2 * CLIENTS_PER_PROCESS
          const seen = await s1.call<number>('waitClients', { count: all, timeoutMs: 10_000 })
          if (seen < all) throw new ChildProcessError(`only ${seen} of ${all} clients seen by the cluster`)

          const run = async (count: number, hz?: number) => {
            await Promise.all(clients.map((p) => p.call('reset', { expected: count * CLIENTS_PER_PROCESS })))
            const sent = await s1.call<{ startNs: number }>('broadcast', {
              count,
              size: PAYLOAD_BYTES,
              window: WINDOW,
              ...(hz === undefined ? {} : { hz }),
            })
            const got = await Promise.all(
              clients.map((p) =>
                p.call<{ received: number; lastNs: number; latenciesUs: number[] }>('wait', {
                  timeoutMs: DELIVERY_TIMEOUT_MS,
                }),
              ),
            )
            return { sent, got, expected: count * all }
          }
          ctx.phase(`cluster ${label}: warm-up`)
          await run(WARMUP_BROADCASTS)
          ctx.phase(`cluster ${label}: ${throughputCount} broadcasts to ${all} clients`)
          const t = await run(throughputCount)
          const delivered = t.got[0]!.received + t.got[1]!.received
          const seconds = (Math.max(t.got[0]!.lastNs, t.got[1]!.lastNs) - t.sent.startNs) / 1e9
          figures.push(
            fig('broadcast.deliveriesPerSec', delivered / seconds, 'msg/s', 'higher'),
            fig('broadcast.delivery', percent(delivered, t.expected), '%', 'higher'),
          )
          ctx.phase(`cluster ${label}: ${latencyCount} broadcasts at ${LATENCY_HZ}/s (latency)`)
          const l = await run(latencyCount, LATENCY_HZ)
          const s = summarize(l.got[0]!.latenciesUs.concat(l.got[1]!.latenciesUs))
          // The second client process: the clients a cross-node broadcast reaches through Redis.
          const far = summarize(l.got[1]!.latenciesUs)
          figures.push(
            fig('latency.p50', s.p50, 'us', 'lower'),
            fig('latency.p99', s.p99, 'us', 'lower'),
            fig('farClients.latency.p50', far.p50, 'us', 'lower'),
            fig('farClients.latency.p99', far.p99, 'us', 'lower'),
          )
        } finally {
          await Promise.all(procs.map((p) => p.close()))
        }
      }
    } finally {
      await redis.stop()
    }
    return figures
  },
}

/** The redis-server binary on PATH, or undefined. */
function redisServerPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

/** A redis-server on a free loopback port, without persistence, for this workload only. */
async function startRedis(bin: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
  const proc = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  )
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return
    const gone = new Promise((r) => proc.once('exit', r))
    proc.kill('SIGKILL')
    await gone
  }
  let out = ''
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ChildProcessError(`redis-server did not start:\n${out}`)),
        10_000,
      )
      proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      })
      proc.once('exit', (code) => {
        clearTimeout(timer)
        reject(new ChildProcessError(`redis-server exited (${code}):\n${out}`))
      })
    })
  } catch (e) {
    await stop()
    throw e
  }
  proc.removeAllListeners('exit')
  proc.stdout!.resume()
  return { url: `redis://127.0.0.1:${port}`, stop }
}

/** One process of the workload (`cluster-child.js`), driven over IPC. */
class ClusterChild {
  readonly #child: ChildProcess
  readonly #calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  readonly #exited: Promise<void>
  #seq = 0

  private constructor(child: ChildProcess) {
    this.#child = child
    child.on('message', (m: { id?: number; ok?: boolean; result?: unknown; error?: string }) => {
      if (m.id === undefined) return
      const c = this.#calls.get(m.id)
      this.#calls.delete(m.id)
      if (m.ok) c?.resolve(m.result)
      else c?.reject(new ChildProcessError(`cluster child: ${m.error}`))
    })
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        for (const c of this.#calls.values()) {
          c.reject(new ChildProcessError(`cluster child exited (code ${code}, signal ${signal})`))
        }
        this.#calls.clear()
        resolve()
      }),
    )
  }

  static async start(): Promise<ClusterChild> {
    const script = fileURLToPath(new URL('./cluster-child.js', import.meta.url))
    const built = existsSync(script)
      ? script
      : fileURLToPath(new URL('../../dist/cluster-child.js', import.meta.url))
    const child = fork(built, [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    })
    const c = new ClusterChild(child)
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve())
      child.once('exit', (code) =>
        reject(new ChildProcessError(`cluster child exited during start-up (${code})`)),
      )
    })
    return c
  }

  call<T = unknown>(op: string, args: unknown): Promise<T> {
    const id = ++this.#seq
    return new Promise<T>((resolve, reject) => {
      this.#calls.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.#child.send({ id, op, args }, (err) => {
        if (err !== null && this.#calls.delete(id))
          reject(new ChildProcessError(`cluster child is gone: ${err.message}`))
      })
    })
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    await this.call('close', {}).catch(() => {})
    this.#child.disconnect()
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), CHILD_EXIT_TIMEOUT_MS)
    await this.#exited
    clearTimeout(timer)
  }
}
