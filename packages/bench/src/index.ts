/**
 * @packageDocumentation
 * The Veltix benchmark suite: memory, latency, a game-server simulation, burst, stress, throughput by
 * payload size, broadcast fan-out, scale (idle connections) and the worker core's workload, each run for
 * Veltix and for a raw `node:net` baseline (same 22-byte framing and CRC-32, writes batched per tick) in the
 * same invocation, with Veltix's figures reported as ratios of the baseline's; burst, stress and latency also
 * against the same raw program with a plain 4-byte length prefix (`raw4`), and with `--peers` socket.io 4.8
 * and zeromq 6. Server and client run in separate child processes.
 *
 * CLI: `veltix-bench --quick`, `veltix-bench --only latency burst --save run.json --html report.html`.
 *
 * @example
 * ```ts
 * import { runBench, renderSummary, renderHtml } from '@veltix/bench'
 * import { writeFile } from 'node:fs/promises'
 *
 * const results = await runBench({ quick: true, only: ['latency', 'burst'] })
 * console.log(renderSummary(results))
 * for (const t of results.targets) console.log(t.id, t.pass ? 'PASS' : 'MISS')
 * await writeFile('report.html', renderHtml(results))
 * ```
 */
export { checkTargets, computeRatios } from './analysis.js'
export * from './constants.js'
export { AbortError, ChildProcessError, ResultsFormatError, UsageError, WorkloadError } from './errors.js'
export { IMPL_NAMES, type ImplName } from './impl/types.js'
export { type MemorySample, measureMemory } from './memory.js'
export {
  type BenchOptions,
  type CliOptions,
  type CoreName,
  parseCliArgs,
  resolveOptions,
  usage,
  WORKLOADS,
  type WorkloadName,
} from './options.js'
export { type ProfileSummary, renderProfile, summarizeProfile, summarizeProfiles } from './profile.js'
export { createProgressReporter, type ProgressReporter, silentProgress } from './progress.js'
export { type Change, type Comparison, compareResults, renderComparison } from './report/compare.js'
export { formatValue } from './report/format.js'
export { type BarChart, chartsFor, renderBarChart, renderHtml } from './report/html.js'
export { renderSummary } from './report/summary.js'
export type { BenchResults, Environment, Figure, Ratio, TargetCheck, Unit } from './results.js'
export { figureKey } from './results.js'
export {
  loadResults,
  RESULTS_JSON_SCHEMA,
  saveResults,
  schemaErrors,
  validateResults,
} from './results-file.js'
export { describeEnvironment, type RunInit, runBench } from './run.js'
export { type CliIo, runCli } from './run-cli.js'
export { percentile, type Summary, summarize } from './stats.js'
