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
  value: number
  unit: Unit
  better: 'higher' | 'lower'
}

/** Veltix's figure divided by the baseline's, same run. */
export interface Ratio {
  workload: WorkloadName
  core: CoreName
  /** Veltix figure name. */
  name: string
  /** Baseline figure it is divided by (usually the same name). */
  baselineName: string
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
}

/** Stable key of a figure. */
export function figureKey(f: Pick<Figure, 'workload' | 'impl' | 'core' | 'name'>): string {
  return `${f.workload}/${f.impl}/${f.core}/${f.name}`
}
