import { checkTargets, computeRatios } from '../src/analysis.js'
import { RESULTS_SCHEMA } from '../src/constants.js'
import { resolveOptions } from '../src/options.js'
import type { BenchResults, Figure } from '../src/results.js'
import { describeEnvironment } from '../src/run.js'

/** A plausible run (no sockets): baseline and Veltix on the loop core; `veltixFactor` scales Veltix's rates. */
export function fakeResults(veltixFactor = 0.9, date = '2026-01-01T00:00:00.000Z'): BenchResults {
  const options = resolveOptions({ quick: true })
  const figures: Figure[] = []
  const add = (impl: Figure['impl'], f: Omit<Figure, 'impl' | 'core'>): void => {
    figures.push({ ...f, impl, core: 'loop' })
  }
  for (const impl of ['baseline', 'veltix'] as const) {
    const rate = impl === 'baseline' ? 1 : veltixFactor
    const slow = impl === 'baseline' ? 1 : 1 / veltixFactor
    for (const kind of ['ping', 'sendAndWait']) {
      for (const [p, v] of [
        ['p50', 45],
        ['p95', 70],
        ['p99', 110],
        ['p999', 400],
        ['max', 4000],
      ] as const) {
        add(impl, { workload: 'latency', name: `${kind}.${p}`, value: v * slow, unit: 'us', better: 'lower' })
      }
      add(impl, {
        workload: 'latency',
        name: `${kind}.rps`,
        value: 19_000 * rate,
        unit: 'rt/s',
        better: 'higher',
      })
      add(impl, { workload: 'latency', name: `${kind}.success`, value: 100, unit: '%', better: 'higher' })
    }
    add(impl, {
      workload: 'burst',
      name: 'send.msgPerSec',
      value: 1.1e6 * rate,
      unit: 'msg/s',
      better: 'higher',
    })
    add(impl, {
      workload: 'burst',
      name: 'receive.msgPerSec',
      value: 1.0e6 * rate,
      unit: 'msg/s',
      better: 'higher',
    })
    add(impl, { workload: 'burst', name: 'receive.MBps', value: 64 * rate, unit: 'MB/s', better: 'higher' })
    add(impl, { workload: 'burst', name: 'success', value: 100, unit: '%', better: 'higher' })
    add(impl, { workload: 'stress', name: 'msgPerSec', value: 4.5e5 * rate, unit: 'msg/s', better: 'higher' })
    add(impl, { workload: 'stress', name: 'success', value: 100, unit: '%', better: 'higher' })
    for (const s of ['64B', '1KiB', '64KiB', '1MiB']) {
      add(impl, {
        workload: 'throughput-by-size',
        name: `${s}.MBps`,
        value: 300 * rate,
        unit: 'MB/s',
        better: 'higher',
      })
    }
    add(impl, {
      workload: 'memory',
      name: 'server.perClient.rss',
      value: 9000 * slow,
      unit: 'bytes',
      better: 'lower',
    })
    add(impl, {
      workload: 'memory',
      name: 'scale.server.rssPerConnection',
      value: 8000 * slow,
      unit: 'bytes',
      better: 'lower',
    })
    add(impl, {
      workload: 'memory',
      name: 'scale.client.rssPerConnection',
      value: 7000 * slow,
      unit: 'bytes',
      better: 'lower',
    })
    for (const l of ['4p@64Hz', '8p@20Hz']) {
      add(impl, { workload: 'fps', name: `${l}.delivery`, value: 100, unit: '%', better: 'higher' })
      add(impl, {
        workload: 'fps',
        name: `${l}.msgPerSec`,
        value: 512 * rate,
        unit: 'msg/s',
        better: 'higher',
      })
      add(impl, { workload: 'fps', name: `${l}.jitter.p99`, value: 1.5, unit: 'ms', better: 'lower' })
    }
  }
  const ratios = computeRatios(figures)
  return {
    schema: RESULTS_SCHEMA,
    date,
    durationMs: 1234,
    env: describeEnvironment(),
    options,
    figures,
    ratios,
    targets: checkTargets(figures, ratios, options),
    errors: [],
  }
}
