/** Percentile summary of a sample set, in the samples' unit. */
export interface Summary {
  count: number
  min: number
  mean: number
  p50: number
  p95: number
  p99: number
  p999: number
  max: number
}

/**
 * Nearest-rank percentile of sorted samples (`p` in [0, 100]): the smallest sample with at least p% of the
 * samples at or below it. Nearest rank rather than interpolation: every figure reported is a real sample.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length
  if (n === 0) return Number.NaN
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`)
  // p * n first: (99.9 / 100) * 1000 is 999.0000000000001 in floating point, (99.9 * 1000) / 100 is 999.
  const rank = Math.max(1, Math.ceil((p * n) / 100))
  return sorted[Math.min(n, rank) - 1]!
}

/** Sorts a copy (typed arrays sort numerically) and summarises it. Empty input gives NaN figures. */
export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(samples as ArrayLike<number>).sort()
  let sum = 0
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!
  const n = sorted.length
  return {
    count: n,
    min: n > 0 ? sorted[0]! : Number.NaN,
    mean: n > 0 ? sum / n : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: n > 0 ? sorted[n - 1]! : Number.NaN,
  }
}

/** Monotonic clock in nanoseconds as a number (exact to well past a day of uptime). Shared by processes on one host. */
export function nowNs(): number {
  return Number(process.hrtime.bigint())
}

/** Rate per second of `count` events over `ns` nanoseconds (0 when no time passed). */
export function perSecond(count: number, ns: number): number {
  return ns > 0 ? (count * 1e9) / ns : 0
}
