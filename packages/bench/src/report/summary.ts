import { IMPL_NAMES } from '../impl/types.js'
import type { BenchResults, Figure, Ratio } from '../results.js'
import { formatRatio, formatValue, renderTable } from './format.js'

const IMPL_TITLES: Record<Figure['impl'], string> = {
  baseline: 'baseline',
  raw4: 'raw4',
  socketio: 'socket.io',
  zeromq: 'zeromq',
  veltix: 'veltix',
}

/** Column order: the baselines and peers that ran, then Veltix per core (the selected ones and any measured). */
export function columns(
  results: BenchResults,
): { impl: Figure['impl']; core: Figure['core']; title: string }[] {
  const cols: { impl: Figure['impl']; core: Figure['core']; title: string }[] = []
  for (const impl of IMPL_NAMES) {
    if (impl !== 'veltix' && results.figures.some((f) => f.impl === impl))
      cols.push({ impl, core: 'loop', title: IMPL_TITLES[impl] })
  }
  const cores = (['loop', 'worker'] as const).filter(
    (c) =>
      (!results.options.noVeltix && results.options.cores.includes(c)) ||
      results.figures.some((f) => f.impl === 'veltix' && f.core === c),
  )
  for (const core of cores) cols.push({ impl: 'veltix', core, title: `veltix/${core}` })
  return cols
}

/** Ratio columns: Veltix per core ÷ the baseline, ÷ the 4-byte-length program, and worker ÷ loop. */
function ratioColumns(
  results: BenchResults,
): { core: Ratio['core']; reference: Ratio['reference']; title: string }[] {
  const out: { core: Ratio['core']; reference: Ratio['reference']; title: string }[] = []
  for (const reference of [undefined, 'raw4', 'veltix-loop'] as const) {
    for (const core of ['loop', 'worker'] as const) {
      if (!results.ratios.some((r) => r.core === core && r.reference === reference)) continue
      const title =
        reference === undefined ? `ratio ${core}` : reference === 'raw4' ? `÷raw4 ${core}` : `${core}÷loop`
      out.push({ core, reference, title })
    }
  }
  return out
}

/** The end-of-run table: one section per workload, a column per variant, ratios to the baseline, targets. */
export function renderSummary(results: BenchResults): string {
  const allCols = columns(results)
  const allRatioCols = ratioColumns(results)
  const out: string[] = []
  const workloads = [...new Set(results.figures.map((f) => f.workload))]
  for (const w of workloads) {
    const figs = results.figures.filter((f) => f.workload === w)
    // Only the sides and ratios this workload measured.
    const cols = allCols.filter((c) => figs.some((f) => f.impl === c.impl && f.core === c.core))
    const ratioCols = allRatioCols.filter((c) =>
      results.ratios.some((r) => r.workload === w && r.core === c.core && r.reference === c.reference),
    )
    const names = [...new Set(figs.map((f) => f.name))]
    const rows = names.map((name) => {
      const cells = [name]
      for (const c of cols) {
        const f = figs.find((x) => x.name === name && x.impl === c.impl && x.core === c.core)
        cells.push(f ? formatValue(f.value, f.unit) : '')
      }
      for (const rc of ratioCols) {
        const r = results.ratios.find(
          (x) =>
            x.workload === w &&
            x.core === rc.core &&
            x.reference === rc.reference &&
            x.name === name &&
            x.baselineName === name,
        )
        cells.push(formatRatio(r?.value))
      }
      return cells
    })
    const header = [w, ...cols.map((c) => c.title), ...ratioCols.map((c) => c.title)]
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
