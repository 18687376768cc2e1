import type { ImplName } from './impl/types.js'
import type { BenchOptions, CoreName, WorkloadName } from './options.js'

export type Unit = 'us' | 'ms' | 'msg/s' | 'rt/s' | 'MB/s' | 'bytes' | '%' | 'conn/s' | 'count'

/** One measured number. Its key is workload/impl/core/name. */
export interface Figure {
  workload: WorkloadName
  impl: ImplName
  /** Veltix's server core; always 'loop' for the baseline. */
  core: CoreName
  /** Dotted name inside the workload, e.g. "ping.p50", "receive.msgPerSec", "64B.MBps". */
  name: string
  /** The median of `samples` when the workload ran more than once. */
  value: number
  unit: Unit
  better: 'higher' | 'lower'
  /** Every run's value, in run order (only when `repeat` > 1). */
  samples?: number[]
}

/** Veltix's figure divided by the baseline's, same run. */
export interface Ratio {
  workload: WorkloadName
  core: CoreName
  /** Veltix figure name. */
  name: string
  /** Baseline figure it is divided by (usually the same name). */
  baselineName: string
  /**
   * What it is divided by: absent = the same-framing baseline; `raw4` = the 4-byte-length raw program;
   * `veltix-loop` = Veltix on the loop core (the worker core's ratios in the worker-core workload).
   */
  reference?: 'raw4' | 'veltix-loop'
  value: number
  better: 'higher' | 'lower'
}

/** A target of the issue, checked on this run. */
export interface TargetCheck {
  id: string
  description: string
  value: number
  op: '>=' | '<=' | '=='
  limit: number
  pass: boolean
}

export interface Environment {
  node: string
  v8: string
  platform: string
  arch: string
  cpuModel: string
  cores: number
  totalMemory: number
}

/** `--heap-breakdown`: what one connection adds to a process's heap, per constructor (from heap snapshots). */
export interface MemoryBreakdown {
  impl: ImplName
  core: CoreName
  side: 'server' | 'client'
  connections: number
  /** Largest first: bytes and objects per connection. */
  rows: { name: string; bytes: number; count: number }[]
}

/** What `--save` writes (schema RESULTS_SCHEMA). */
export interface BenchResults {
  schema: string
  date: string
  durationMs: number
  env: Environment
  options: BenchOptions
  figures: Figure[]
  ratios: Ratio[]
  targets: TargetCheck[]
  /** Workloads that failed (the others still ran). */
  errors: { workload: string; message: string }[]
  /** Only with `--heap-breakdown`. */
  breakdowns?: MemoryBreakdown[]
}

/** Stable key of a figure. */
export function figureKey(f: Pick<Figure, 'workload' | 'impl' | 'core' | 'name'>): string {
  return `${f.workload}/${f.impl}/${f.core}/${f.name}`
}

/**
 * Merges the figures of repeated runs: one figure per key, its value the median of the runs, or with
 * `best` the best run (the highest when higher is better, else the lowest).
 */
export function mergeRuns(runs: readonly Figure[][], aggregate: 'median' | 'best' = 'median'): Figure[] {
  if (runs.length === 1) return [...runs[0]!]
  const byKey = new Map<string, Figure>()
  for (const run of runs) {
    for (const f of run) {
      const key = figureKey(f)
      const seen = byKey.get(key)
      if (seen === undefined) byKey.set(key, { ...f, samples: [f.value] })
      else seen.samples!.push(f.value)
    }
  }
  for (const f of byKey.values()) {
    const xs = f.samples!
    // Success rates never take the best run: a lost message in any run must show.
    if (f.unit === '%') f.value = Math.min(...xs)
    else if (aggregate === 'median') f.value = median(xs)
    else f.value = f.better === 'higher' ? Math.max(...xs) : Math.min(...xs)
  }
  return [...byKey.values()]
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
