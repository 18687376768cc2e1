import { describe, expect, it } from 'vitest'
import {
  DEFAULT_BURST_COUNT,
  DEFAULT_LATENCY_COUNT,
  DEFAULT_LATENCY_WARMUP,
  DEFAULT_SCALE_CONNECTIONS,
  DEFAULT_THROUGHPUT_WARMUP,
  QUICK_BURST_COUNT,
} from '../src/constants.js'
import { UsageError } from '../src/errors.js'
import { parseCliArgs, resolveOptions, WORKLOADS } from '../src/options.js'

describe('parseCliArgs', () => {
  it('defaults to every workload, the loop core and the issue’s counts', () => {
    const o = parseCliArgs([]).bench
    expect(o.only).toEqual([...WORKLOADS])
    expect(o.cores).toEqual(['loop'])
    expect(o.latencyWarmup).toBe(DEFAULT_LATENCY_WARMUP)
    expect(o.latencyCount).toBe(DEFAULT_LATENCY_COUNT)
    expect(o.burstCount).toBe(DEFAULT_BURST_COUNT)
    expect(o.connections).toBe(DEFAULT_SCALE_CONNECTIONS)
    expect(o.messageSize).toBe(64)
    expect(o.sizePlan.map((s) => s.size)).toEqual([64, 1024, 65536, 1048576])
  })

  it('takes --only with several words, in either form', () => {
    expect(parseCliArgs(['--only', 'memory', 'latency', 'burst']).bench.only).toEqual([
      'memory',
      'latency',
      'burst',
    ])
    expect(parseCliArgs(['--only', 'fps,stress', '--quick']).bench.only).toEqual(['fps', 'stress'])
  })

  it('warms burst and stress up by default; --throughput-warmup 0 measures cold; a negative count is refused', () => {
    expect(parseCliArgs([]).bench.throughputWarmup).toBe(DEFAULT_THROUGHPUT_WARMUP)
    expect(parseCliArgs(['--throughput-warmup', '0']).bench.throughputWarmup).toBe(0)
    expect(parseCliArgs(['--throughput-warmup', '10_000']).bench.throughputWarmup).toBe(10_000)
    expect(() => parseCliArgs(['--throughput-warmup', '-1'])).toThrow(UsageError)
  })

  it('maps --core both to both cores', () => {
    expect(parseCliArgs(['--core', 'both']).bench.cores).toEqual(['loop', 'worker'])
    expect(parseCliArgs(['--core', 'worker']).bench.cores).toEqual(['worker'])
  })

  it('makes --quick small and keeps explicit counts', () => {
    const o = parseCliArgs(['--quick', '--connections', '10_000']).bench
    expect(o.burstCount).toBe(QUICK_BURST_COUNT)
    expect(o.connections).toBe(10_000)
  })

  it('reads the file options', () => {
    const c = parseCliArgs([
      '--save',
      'a.json',
      '--compare',
      'old.json',
      '--html',
      'r.html',
      '--threshold',
      '5',
    ])
    expect(c).toMatchObject({ save: 'a.json', compare: 'old.json', html: 'r.html', threshold: 5 })
  })

  it.each([
    [['--only', 'nope']],
    [['--core', 'threads']],
    [['--connections', 'many']],
    [['--connections', '0']],
    [['--size', '3']],
    [['--bogus']],
    [['stray']],
    [['--against', 'b.json']],
    [['--no-baseline', '--no-veltix']],
  ])('rejects %j with a UsageError', (argv) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError)
  })
})

describe('resolveOptions', () => {
  it('fills the rest from defaults', () => {
    const o = resolveOptions({ only: ['latency'], latencyCount: 10 })
    expect(o.latencyCount).toBe(10)
    expect(o.latencyWarmup).toBe(DEFAULT_LATENCY_WARMUP)
  })

  it('rejects an unknown workload', () => {
    expect(() => resolveOptions({ only: ['x' as never] })).toThrow(UsageError)
  })
})
