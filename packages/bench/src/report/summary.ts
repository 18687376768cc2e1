import type { BenchResults, Figure } from '../results.js'
import { formatRatio, formatValue, renderTable } from './format.js'

/** Column order: baseline, then Veltix per core. */
function columns(results: BenchResults): { impl: Figure['impl']; core: Figure['core']; title: string }[] {
  const cols: { impl: Figure['impl']; core: Figure['core']; title: string }[] = []
  if (results.figures.some((f) => f.impl === 'baseline'))
    cols.push({ impl: 'baseline', core: 'loop', title: 'baseline' })
  if (!results.options.noVeltix)
    for (const core of results.options.cores) cols.push({ impl: 'veltix', core, title: `veltix/${core}` })
  return cols
}

/** The end-of-run table: one section per workload, a column per variant, ratios to the baseline, targets. */
export function renderSummary(results: BenchResults): string {
  const cols = columns(results)
  const ratioCores = results.options.cores.filter((c) => results.ratios.some((r) => r.core === c))
  const out: string[] = []
  const workloads = [...new Set(results.figures.map((f) => f.workload))]
  for (const w of workloads) {
    const figs = results.figures.filter((f) => f.workload === w)
    const names = [...new Set(figs.map((f) => f.name))]
    const rows = names.map((name) => {
      const cells = [name]
      for (const c of cols) {
        const f = figs.find((x) => x.name === name && x.impl === c.impl && x.core === c.core)
        cells.push(f ? formatValue(f.value, f.unit) : '')
      }
      for (const core of ratioCores) {
        const r = results.ratios.find(
          (x) => x.workload === w && x.core === core && x.name === name && x.baselineName === name,
        )
        cells.push(formatRatio(r?.value))
      }
      return cells
    })
    const header = [w, ...cols.map((c) => c.title), ...ratioCores.map((c) => `ratio ${c}`)]
    out.push(renderTable(header, rows))
  }
  if (results.targets.length > 0) {
    const rows = results.targets.map((t) => [
      t.description,
      t.op === '==' || t.id.includes('jitter') ? t.value.toFixed(2) : `${t.value.toFixed(3)}×`,
      `${t.op} ${t.limit}`,
      t.pass ? 'PASS' : 'MISS',
    ])
    out.push(renderTable(['targets (loop core)', 'value', 'target', ''], rows))
  }
  for (const b of results.breakdowns ?? []) {
    const rows = b.rows.slice(0, 24).map((r) => [r.name, formatValue(r.bytes, 'bytes'), r.count.toFixed(2)])
    const total = b.rows.reduce((sum, r) => sum + r.bytes, 0)
    out.push(
      renderTable(
        [
          `heap per connection: ${b.impl}/${b.core} ${b.side} (${formatValue(total, 'bytes')})`,
          'bytes',
          'objects',
        ],
        rows,
      ),
    )
  }
  for (const e of results.errors) out.push(`FAILED ${e.workload}: ${e.message}`)
  out.push(
    `${results.env.node} on ${results.env.cpuModel} (${results.env.cores} cores), ${results.date}, ${(results.durationMs / 1000).toFixed(1)} s`,
  )
  return out.join('\n\n')
}
