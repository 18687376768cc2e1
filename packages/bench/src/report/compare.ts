import type { BenchResults, Unit } from '../results.js'
import { figureKey } from '../results.js'
import { formatValue, renderTable } from './format.js'

export interface Change {
  key: string
  unit: Unit | 'ratio'
  better: 'higher' | 'lower'
  old: number
  new: number
  /** Percent change, new against old. */
  changePct: number
  regression: boolean
  improvement: boolean
}

export interface Comparison {
  threshold: number
  changes: Change[]
  /** Keys only in the old run / only in the new run. */
  missing: string[]
  added: string[]
  regressions: number
}

/**
 * The change of every figure and ratio present in both runs. A change in the bad direction (per figure:
 * higher or lower is better) beyond `threshold` percent is a regression.
 */
export function compareResults(old: BenchResults, neu: BenchResults, threshold: number): Comparison {
  type Entry = { value: number; unit: Unit | 'ratio'; better: 'higher' | 'lower' }
  const index = (r: BenchResults): Map<string, Entry> => {
    const m = new Map<string, Entry>()
    for (const f of r.figures) m.set(figureKey(f), { value: f.value, unit: f.unit, better: f.better })
    for (const x of r.ratios) {
      const key = `${x.workload}/ratio/${x.core}/${x.name}${x.baselineName === x.name ? '' : ` vs ${x.baselineName}`}`
      m.set(key, { value: x.value, unit: 'ratio', better: x.better })
    }
    return m
  }
  const a = index(old)
  const b = index(neu)
  const changes: Change[] = []
  for (const [key, o] of a) {
    const n = b.get(key)
    if (n === undefined || o.value === null || n.value === null) continue
    const changePct =
      o.value === 0
        ? n.value === 0
          ? 0
          : Number.POSITIVE_INFINITY
        : ((n.value - o.value) / Math.abs(o.value)) * 100
    const worse = o.better === 'higher' ? -changePct : changePct
    changes.push({
      key,
      unit: o.unit,
      better: o.better,
      old: o.value,
      new: n.value,
      changePct,
      regression: worse > threshold,
      improvement: worse < -threshold,
    })
  }
  return {
    threshold,
    changes,
    missing: [...a.keys()].filter((k) => !b.has(k)),
    added: [...b.keys()].filter((k) => !a.has(k)),
    regressions: changes.filter((c) => c.regression).length,
  }
}

/** A table of changes; regressions marked "REGRESSION", improvements "better". */
export function renderComparison(c: Comparison): string {
  const fmt = (v: number, unit: Change['unit']): string =>
    unit === 'ratio' ? `${v.toFixed(3)}×` : formatValue(v, unit)
  const rows = c.changes.map((x) => [
    x.key,
    fmt(x.old, x.unit),
    fmt(x.new, x.unit),
    `${x.changePct >= 0 ? '+' : ''}${x.changePct.toFixed(1)} %`,
    x.regression ? 'REGRESSION' : x.improvement ? 'better' : '',
  ])
  const lines = [renderTable(['figure', 'old', 'new', 'change', `(threshold ${c.threshold} %)`], rows)]
  if (c.missing.length > 0) lines.push(`only in the old run: ${c.missing.length} figures`)
  if (c.added.length > 0) lines.push(`only in the new run: ${c.added.length} figures`)
  lines.push(`${c.regressions} regression${c.regressions === 1 ? '' : 's'} beyond ${c.threshold} %`)
  return lines.join('\n')
}
