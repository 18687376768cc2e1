import { describe, expect, it } from 'vitest'
import { computeRatios } from '../src/analysis.js'
import { fakeResults } from './fixtures.js'

describe('ratios and targets', () => {
  const r = fakeResults(0.9)

  it('divides each Veltix figure by its baseline twin, skipping percentages', () => {
    const burst = r.ratios.find((x) => x.workload === 'burst' && x.name === 'receive.msgPerSec')
    expect(burst?.value).toBeCloseTo(0.9)
    expect(r.ratios.some((x) => x.name.endsWith('success') || x.name.endsWith('delivery'))).toBe(false)
  })

  it('compares sendAndWait with the baseline’s ping', () => {
    const x = r.ratios.find((y) => y.name === 'sendAndWait.p50' && y.baselineName === 'ping.p50')
    expect(x?.value).toBeCloseTo(1 / 0.9)
  })

  it('checks every target of the issue', () => {
    const ids = r.targets.map((t) => t.id)
    expect(ids).toEqual(
      expect.arrayContaining([
        'burst.receive',
        'stress',
        'latency.sendAndWait',
        'latency.ping',
        'memory.perConnection',
        'fps.4p@64Hz.delivery',
        'fps.4p@64Hz.jitter',
      ]),
    )
    expect(r.targets.find((t) => t.id === 'burst.receive')?.pass).toBe(true)
    const slow = fakeResults(0.5)
    expect(slow.targets.find((t) => t.id === 'burst.receive')?.pass).toBe(false)
    expect(slow.targets.find((t) => t.id === 'latency.ping')?.pass).toBe(false)
  })

  it('gives no ratio without a baseline', () => {
    expect(computeRatios(r.figures.filter((f) => f.impl === 'veltix'))).toEqual([])
  })
})
