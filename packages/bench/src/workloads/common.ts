import type { ServerMode } from '../agent.js'
import type { AgentHandle } from '../harness.js'
import type { ImplementationName, ImplName } from '../impl/types.js'
import type { BenchOptions, CoreName, WorkloadName } from '../options.js'
import type { Figure, MemoryBreakdown, Unit } from '../results.js'

/** What a workload gets from the runner. */
export interface WorkloadContext {
  readonly options: BenchOptions
  /** Starts an agent process; the runner closes it if the workload fails. `fdLimit`: see SpawnOptions. */
  spawn(label: string, opts?: { fdLimit?: number }): Promise<AgentHandle>
  /** Starts the next phase (for the progress bar). */
  phase(label: string): void
  /** Progress inside the current phase (0..1). */
  subProgress(fraction: number): void
  /** Records a heap breakdown (the last one per implementation, core and side is kept). */
  breakdown(b: MemoryBreakdown): void
  readonly signal?: AbortSignal | undefined
}

export interface Workload {
  readonly name: WorkloadName
  readonly description: string
  /** Number of `phase` calls a run makes (for the progress bar). */
  phases(options: BenchOptions): number
  run(ctx: WorkloadContext): Promise<Figure[]>
}

/** One side of the comparison: the baseline, or Veltix on one server core. */
export interface Variant {
  impl: ImplName
  core: CoreName
  label: string
}

/**
 * The sides a workload runs: the same-framing baseline, then (where the workload asks) the 4-byte-length raw
 * program and, with `--peers`, socket.io and zeromq, then Veltix on each selected core.
 */
export function variants(o: BenchOptions, extra: { raw4?: boolean; peers?: boolean } = {}): Variant[] {
  const out: Variant[] = []
  if (!o.noBaseline) {
    out.push({ impl: 'baseline', core: 'loop', label: 'baseline' })
    if (extra.raw4) out.push({ impl: 'raw4', core: 'loop', label: 'raw4' })
  }
  if (extra.peers && o.peers) {
    out.push(
      { impl: 'socketio', core: 'loop', label: 'socket.io' },
      { impl: 'zeromq', core: 'loop', label: 'zeromq' },
    )
  }
  if (!o.noVeltix) for (const core of o.cores) out.push({ impl: 'veltix', core, label: `veltix/${core}` })
  return out
}

/** Builds figures of one workload and variant. */
export function figureMaker(workload: WorkloadName, v: Variant) {
  return (name: string, value: number, unit: Unit, better: 'higher' | 'lower'): Figure => ({
    workload,
    impl: v.impl,
    core: v.core,
    name,
    value,
    unit,
    better,
  })
}

/** A server agent and a client agent for one variant; both closed at the end, whatever happens. */
export async function withPair<T>(
  ctx: WorkloadContext,
  v: { impl: ImplementationName; core: CoreName },
  mode: ServerMode,
  fn: (server: AgentHandle, client: AgentHandle, port: number) => Promise<T>,
  spinUs?: number,
): Promise<T> {
  const tag = `${v.impl}-${v.core}`
  const server = await ctx.spawn(`server-${tag}`)
  let client: AgentHandle | undefined
  try {
    server.onProgress = (f) => ctx.subProgress(f)
    const { port } = await server.call('serverStart', { impl: v.impl, core: v.core, mode, spinUs })
    client = await ctx.spawn(`client-${tag}`)
    client.onProgress = (f) => ctx.subProgress(f)
    return await fn(server, client, port)
  } finally {
    await client?.close()
    await server.close()
  }
}

/** Percentage, clamped to 100 (a peer can not receive more than was sent; duplicates would be a bug elsewhere). */
export function percent(part: number, whole: number): number {
  return whole > 0 ? (100 * part) / whole : 100
}

/**
 * CPU time (user + system, µs) that the server and the client processes spend while `fn` runs. Unlike rates,
 * CPU per message hardly changes when other processes compete for the cores: it is the steadier figure on a
 * shared machine. (It includes the little IPC of the measuring calls themselves.)
 */
export async function withCpu<T>(
  server: AgentHandle,
  client: AgentHandle,
  fn: () => Promise<T>,
): Promise<{ result: T; serverUs: number; clientUs: number }> {
  const [s0, c0] = await Promise.all([server.call('cpu', undefined), client.call('cpu', undefined)])
  const result = await fn()
  const [s1, c1] = await Promise.all([server.call('cpu', undefined), client.call('cpu', undefined)])
  return { result, serverUs: s1 - s0, clientUs: c1 - c0 }
}
