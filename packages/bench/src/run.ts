import * as os from 'node:os'
import { checkTargets, computeRatios } from './analysis.js'
import { RESULTS_SCHEMA } from './constants.js'
import { AbortError } from './errors.js'
import { type AgentHandle, spawnAgent } from './harness.js'
import { type BenchOptions, resolveOptions, WORKLOADS } from './options.js'
import { type ProgressReporter, silentProgress } from './progress.js'
import {
  type BenchResults,
  type Environment,
  type Figure,
  type MemoryBreakdown,
  mergeRuns,
} from './results.js'
import type { WorkloadContext } from './workloads/common.js'
import { WORKLOAD_TABLE } from './workloads/index.js'

export interface RunInit {
  progress?: ProgressReporter
  signal?: AbortSignal
}

/** The machine and runtime, recorded with every result. */
export function describeEnvironment(): Environment {
  const cpus = os.cpus()
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    totalMemory: os.totalmem(),
  }
}

/**
 * Runs the selected workloads, each for the baseline and for Veltix on each selected core, and returns the
 * figures, the ratios to the baseline and the target checks. A failing workload is recorded in `errors` and
 * the run goes on with the next one; an abort stops the run (rejects with AbortError).
 */
export async function runBench(
  partial: Partial<BenchOptions> = {},
  init: RunInit = {},
): Promise<BenchResults> {
  const options = resolveOptions(partial)
  const progress = init.progress ?? silentProgress
  const signal = init.signal
  const started = Date.now()
  const figures: Figure[] = []
  const errors: { workload: string; message: string }[] = []
  const breakdowns = new Map<string, MemoryBreakdown>()
  for (const name of WORKLOADS) {
    if (!options.only.includes(name)) continue
    if (signal?.aborted) throw new AbortError()
    const workload = WORKLOAD_TABLE[name]
    const total = Math.max(1, workload.phases(options) * options.repeat)
    const agents = new Set<AgentHandle>()
    let done = -1
    let phase = ''
    const t0 = Date.now()
    const ctx: WorkloadContext = {
      options,
      signal,
      async spawn(label, opts) {
        if (signal?.aborted) throw new AbortError()
        const a = await spawnAgent({
          inProcess: options.inProcess,
          cpuProf: options.cpuProf,
          label: `${name}-${label}`,
          fdLimit: opts?.fdLimit,
        })
        agents.add(a)
        return a
      },
      phase(label) {
        done++
        phase = label
        progress.update(done / total, label)
      },
      breakdown(b) {
        breakdowns.set(`${b.impl}/${b.core}/${b.side}`, b)
      },
      subProgress(f) {
        progress.update((Math.max(0, done) + Math.min(1, f)) / total, phase)
      },
    }
    // An abort closes this workload's processes at once: their pending calls reject and the workload ends.
    const onAbort = (): void => {
      for (const a of agents) void a.close()
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    progress.start(name, total)
    try {
      const runs: Figure[][] = []
      for (let i = 0; i < options.repeat; i++) runs.push(await workload.run(ctx))
      figures.push(...mergeRuns(runs, options.aggregate))
      progress.update(1, 'done')
      progress.end(name, Date.now() - t0)
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err))
      progress.end(name, Date.now() - t0, e)
      if (signal?.aborted) throw new AbortError()
      errors.push({ workload: name, message: `${e.name}: ${e.message}` })
    } finally {
      signal?.removeEventListener('abort', onAbort)
      await Promise.all([...agents].map((a) => a.close()))
    }
  }
  const ratios = computeRatios(figures)
  return {
    schema: RESULTS_SCHEMA,
    date: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    env: describeEnvironment(),
    options,
    figures,
    ratios,
    targets: checkTargets(figures, ratios, options),
    errors,
    ...(breakdowns.size > 0 ? { breakdowns: [...breakdowns.values()] } : {}),
  }
}
