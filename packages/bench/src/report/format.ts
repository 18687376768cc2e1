import type { Unit } from '../results.js'

/** A figure for people: unit-aware, three significant figures or so. NaN/null: "n/a". */
export function formatValue(value: number | null | undefined, unit: Unit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a'
  switch (unit) {
    case 'us':
      return value >= 1000 ? `${(value / 1000).toFixed(2)} ms` : `${value.toFixed(value < 10 ? 2 : 1)} µs`
    case 'ms':
      return `${value.toFixed(2)} ms`
    case 'bytes':
      return formatBytes(value)
    case '%':
      return `${value.toFixed(value === 100 ? 0 : 2)} %`
    case 'MB/s':
      return `${value.toFixed(1)} MB/s`
    case 'count':
      return String(Math.round(value))
    default:
      return `${compact(value)} ${unit}`
  }
}

/** 1234567 -> "1.23M", 12345 -> "12.3k". */
export function compact(n: number): string {
  const a = Math.abs(n)
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}G`
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`
  if (a >= 100) return n.toFixed(0)
  return n.toFixed(1)
}

/** Binary units; negative values (memory returned to the OS during a run) keep their sign. */
export function formatBytes(n: number): string {
  const a = Math.abs(n)
  if (a >= 1024 * 1024 * 1024) return `${(n / 1024 ** 3).toFixed(2)} GiB`
  if (a >= 1024 * 1024) return `${(n / 1024 ** 2).toFixed(2)} MiB`
  if (a >= 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${n.toFixed(0)} B`
}

export function formatRatio(r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? '' : `${r.toFixed(2)}×`
}

/** Left-aligned first column, right-aligned others. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}
