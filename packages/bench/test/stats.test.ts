import { describe, expect, it } from 'vitest'
import { percentile, summarize } from '../src/stats.js'

describe('percentile (nearest rank)', () => {
  const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1) // 1..1000

  it('returns real samples at the usual ranks', () => {
    expect(percentile(sorted, 50)).toBe(500)
    expect(percentile(sorted, 99)).toBe(990)
    expect(percentile(sorted, 99.9)).toBe(999)
    expect(percentile(sorted, 100)).toBe(1000)
    expect(percentile(sorted, 0)).toBe(1)
  })

  it('handles one sample and no sample', () => {
    expect(percentile([7], 99.9)).toBe(7)
    expect(percentile([], 50)).toBeNaN()
  })

  it('rejects a percentile outside 0..100', () => {
    expect(() => percentile(sorted, 101)).toThrow(RangeError)
    expect(() => percentile(sorted, Number.NaN)).toThrow(RangeError)
  })
})

describe('summarize', () => {
  it('sorts numerically (not as strings) without touching the input', () => {
    const samples = [10, 9, 100, 1, 2]
    const s = summarize(samples)
    expect(samples).toEqual([10, 9, 100, 1, 2])
    expect(s).toMatchObject({ count: 5, min: 1, max: 100, p50: 9, mean: 24.4 })
  })

  it('gives NaN figures for no samples', () => {
    const s = summarize([])
    expect(s.count).toBe(0)
    expect(s.p50).toBeNaN()
    expect(s.max).toBeNaN()
  })
})
