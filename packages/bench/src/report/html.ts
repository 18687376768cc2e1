import type { BenchResults, Figure, Unit } from '../results.js'
import { compact, formatRatio, formatValue } from './format.js'
import { columns } from './summary.js'

export interface Series {
  name: string
  values: (number | undefined)[]
}

export interface BarChart {
  title: string
  categories: string[]
  series: Series[]
  unit: Unit | 'ratio'
  /** A reference value drawn as a dashed line (e.g. 1.0 on a ratio chart). */
  reference?: number
  /** Bars grow to the right, one row per category: for many or long category names. */
  horizontal?: boolean
}

const COLORS = ['#6b7280', '#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626']

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** A grouped bar chart as an inline SVG (no script, no external asset). */
export function renderBarChart(chart: BarChart): string {
  return chart.horizontal ? renderHorizontal(chart) : renderVertical(chart)
}

function renderHorizontal(chart: BarChart): string {
  const W = 760
  const left = 250
  const right = 60
  const top = 36
  const rowH = Math.max(14, 8 * chart.series.length + 6)
  const plotH = rowH * chart.categories.length
  const H = top + plotH + 44
  const plotW = W - left - right
  const all = chart.series
    .flatMap((s) => s.values)
    .filter((v): v is number => v !== undefined && Number.isFinite(v))
  const max = Math.max(chart.reference ?? 0, ...all, 1e-9) * 1.05
  const x = (v: number): number => left + (Math.max(0, v) / max) * plotW
  const barH = Math.max(4, (rowH - 4) / Math.max(1, chart.series.length))
  const fmt = (v: number): string => (chart.unit === 'ratio' ? formatRatio(v) : formatValue(v, chart.unit))
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(chart.title)}">`,
    `<title>${escapeHtml(chart.title)}</title>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" class="t">${escapeHtml(chart.title)}</text>`,
  ]
  chart.categories.forEach((cat, ci) => {
    const y0 = top + ci * rowH
    parts.push(
      `<text x="${left - 6}" y="${(y0 + rowH / 2 + 4).toFixed(1)}" text-anchor="end" class="a">${escapeHtml(cat)}</text>`,
    )
    chart.series.forEach((s, si) => {
      const v = s.values[ci]
      if (v === undefined || !Number.isFinite(v)) return
      const y = y0 + 2 + si * barH
      parts.push(
        `<rect x="${left}" y="${y.toFixed(1)}" width="${(x(v) - left).toFixed(1)}" height="${(barH - 1).toFixed(1)}" fill="${COLORS[(si + 1) % COLORS.length]}"><title>${escapeHtml(`${s.name} ${cat}: ${fmt(v)}`)}</title></rect>`,
        `<text x="${(x(v) + 4).toFixed(1)}" y="${(y + barH - 2).toFixed(1)}" class="a">${escapeHtml(fmt(v))}</text>`,
      )
    })
  })
  if (chart.reference !== undefined) {
    const xx = x(chart.reference)
    parts.push(
      `<line x1="${xx.toFixed(1)}" x2="${xx.toFixed(1)}" y1="${top}" y2="${top + plotH}" class="ref"/>`,
    )
  }
  chart.series.forEach((s, si) => {
    const lx = left + si * 150
    parts.push(
      `<rect x="${lx}" y="${H - 22}" width="12" height="12" fill="${COLORS[(si + 1) % COLORS.length]}"/>`,
      `<text x="${lx + 16}" y="${H - 12}" class="a">${escapeHtml(s.name)}</text>`,
    )
  })
  parts.push('</svg>')
  return parts.join('')
}

function renderVertical(chart: BarChart): string {
  const W = 760
  const H = 300
  const left = 64
  const right = 16
  const top = 36
  const bottom = 64
  const plotW = W - left - right
  const plotH = H - top - bottom
  const all = chart.series
    .flatMap((s) => s.values)
    .filter((v): v is number => v !== undefined && Number.isFinite(v))
  const max = Math.max(chart.reference ?? 0, ...all, 1e-9) * 1.1
  const y = (v: number): number => top + plotH - (Math.max(0, v) / max) * plotH
  const groupW = plotW / Math.max(1, chart.categories.length)
  const barW = Math.max(2, (groupW * 0.8) / Math.max(1, chart.series.length))
  const label = (v: number): string =>
    chart.unit === 'ratio' ? formatRatio(v) : chart.unit === 'us' ? `${compact(v)}` : compact(v)
  const parts: string[] = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(chart.title)}">`,
    `<title>${escapeHtml(chart.title)}</title>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" class="t">${escapeHtml(chart.title)}</text>`,
  )
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4
    const yy = y(v)
    parts.push(
      `<line x1="${left}" x2="${W - right}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" class="grid"/>`,
      `<text x="${left - 6}" y="${(yy + 4).toFixed(1)}" text-anchor="end" class="a">${escapeHtml(label(v))}</text>`,
    )
  }
  chart.categories.forEach((cat, ci) => {
    const gx = left + ci * groupW + groupW * 0.1
    chart.series.forEach((s, si) => {
      const v = s.values[ci]
      if (v === undefined || !Number.isFinite(v)) return
      const x = gx + si * barW
      const yy = y(v)
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${yy.toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${(top + plotH - yy).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${escapeHtml(`${s.name} ${cat}: ${chart.unit === 'ratio' ? formatRatio(v) : formatValue(v, chart.unit)}`)}</title></rect>`,
      )
    })
    parts.push(
      `<text x="${(left + ci * groupW + groupW / 2).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" class="a">${escapeHtml(cat)}</text>`,
    )
  })
  if (chart.reference !== undefined) {
    const yy = y(chart.reference)
    parts.push(
      `<line x1="${left}" x2="${W - right}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" class="ref"/>`,
    )
  }
  chart.series.forEach((s, si) => {
    const x = left + si * 150
    parts.push(
      `<rect x="${x}" y="${H - 22}" width="12" height="12" fill="${COLORS[si % COLORS.length]}"/>`,
      `<text x="${x + 16}" y="${H - 12}" class="a">${escapeHtml(s.name)}</text>`,
    )
  })
  parts.push('</svg>')
  return parts.join('')
}

type Variant = { impl: Figure['impl']; core: Figure['core']; name: string }

function variantsOf(r: BenchResults): Variant[] {
  return columns(r).map((c) => ({ impl: c.impl, core: c.core, name: c.title }))
}

function seriesFor(r: BenchResults, workload: string, names: string[]): Series[] {
  return variantsOf(r).map((v) => ({
    name: v.name,
    values: names.map(
      (n) =>
        r.figures.find(
          (f) => f.workload === workload && f.impl === v.impl && f.core === v.core && f.name === n,
        )?.value,
    ),
  }))
}

/** The charts of a run: latency percentiles, throughput per workload and core, memory, ratios. */
export function chartsFor(r: BenchResults): BarChart[] {
  const charts: BarChart[] = []
  const has = (w: string): boolean => r.figures.some((f) => f.workload === w)
  if (has('latency')) {
    for (const kind of ['ping', 'sendAndWait']) {
      const pcts = ['p50', 'p95', 'p99', 'p999']
      charts.push({
        title: `Latency: ${kind} round trip (µs, lower is better)`,
        categories: pcts,
        series: seriesFor(
          r,
          'latency',
          pcts.map((p) => `${kind}.${p}`),
        ),
        unit: 'us',
      })
    }
  }
  const throughput: [string, string, string[]][] = [
    ['burst', 'Burst: messages/s', ['send.msgPerSec', 'receive.msgPerSec']],
    ['stress', 'Stress: messages/s', ['msgPerSec']],
    [
      'fps',
      'FPS simulation: messages/s',
      r.figures.filter((f) => f.workload === 'fps' && f.name.endsWith('.msgPerSec')).map((f) => f.name),
    ],
  ]
  for (const [w, title, names] of throughput) {
    const uniq = [...new Set(names)]
    if (has(w) && uniq.length > 0) {
      charts.push({
        title: `${title} (higher is better)`,
        categories: uniq,
        series: seriesFor(r, w, uniq),
        unit: 'msg/s',
      })
    }
  }
  if (has('throughput-by-size')) {
    const names = [
      ...new Set(
        r.figures
          .filter((f) => f.workload === 'throughput-by-size' && f.name.endsWith('.MBps'))
          .map((f) => f.name),
      ),
    ]
    charts.push({
      title: 'Throughput by payload size: MB/s (higher is better)',
      categories: names.map((n) => n.replace('.MBps', '')),
      series: seriesFor(r, 'throughput-by-size', names),
      unit: 'MB/s',
    })
  }
  if (has('memory')) {
    const names = ['server.perClient.rss', 'scale.server.rssPerConnection', 'scale.client.rssPerConnection']
    charts.push({
      title: 'Memory per connection (bytes, lower is better)',
      categories: names,
      series: seriesFor(r, 'memory', names),
      unit: 'bytes',
    })
  }
  if (r.ratios.length > 0) {
    const keys = [
      ...new Set(
        r.ratios
          .filter((x) => x.reference === undefined)
          .map((x) => `${x.workload}: ${x.name}${x.name === x.baselineName ? '' : ` / ${x.baselineName}`}`),
      ),
    ]
    const headline = keys.filter((k) => /(p50|msgPerSec|PerConnection|perClient\.rss|cpuPer)/.test(k))
    charts.push({
      title: 'Veltix ÷ baseline (same run; 1.0 = the baseline)',
      categories: headline,
      series: r.options.cores.map((core) => ({
        name: `veltix/${core}`,
        values: headline.map(
          (k) =>
            r.ratios.find(
              (x) =>
                x.core === core &&
                x.reference === undefined &&
                `${x.workload}: ${x.name}${x.name === x.baselineName ? '' : ` / ${x.baselineName}`}` === k,
            )?.value,
        ),
      })),
      unit: 'ratio',
      reference: 1,
      horizontal: true,
    })
  }
  return charts
}

/** A self-contained HTML page: inline CSS and SVG, no script, no external asset. */
export function renderHtml(r: BenchResults): string {
  const charts = chartsFor(r)
  const rows = r.figures
    .map((f) => {
      const ratio = r.ratios.find(
        (x) =>
          x.workload === f.workload &&
          x.core === f.core &&
          x.name === f.name &&
          x.baselineName === f.name &&
          x.reference === undefined &&
          f.impl === 'veltix',
      )
      return `<tr><td>${escapeHtml(f.workload)}</td><td>${escapeHtml(f.impl)}/${escapeHtml(f.core)}</td><td>${escapeHtml(f.name)}</td><td class="n">${escapeHtml(formatValue(f.value, f.unit))}</td><td class="n">${escapeHtml(formatRatio(ratio?.value))}</td></tr>`
    })
    .join('\n')
  const targets = r.targets
    .map(
      (t) =>
        `<tr class="${t.pass ? 'pass' : 'miss'}"><td>${escapeHtml(t.description)}</td><td class="n">${t.value.toFixed(3)}</td><td>${escapeHtml(`${t.op} ${t.limit}`)}</td><td>${t.pass ? 'PASS' : 'MISS'}</td></tr>`,
    )
    .join('\n')
  const errors = r.errors.map((e) => `<li>${escapeHtml(`${e.workload}: ${e.message}`)}</li>`).join('')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Veltix benchmark ${escapeHtml(r.date)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#111}
h1{font-size:1.4em} .env{color:#555}
.chart{display:block;margin:1.5em 0;max-width:100%;height:auto}
.chart .t{font-weight:600;font-size:14px} .chart .a{font-size:11px;fill:#333}
.chart .grid{stroke:#e5e7eb} .chart .ref{stroke:#dc2626;stroke-dasharray:4 3;stroke-width:1.5}
table{border-collapse:collapse;margin:1em 0} td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums} tr.pass td:last-child{color:#16a34a} tr.miss td:last-child{color:#dc2626}
</style></head><body>
<h1>Veltix benchmark</h1>
<p class="env">${escapeHtml(`${r.date} · Node ${r.env.node} · ${r.env.cpuModel} · ${r.env.cores} cores · ${r.env.platform}/${r.env.arch} · ${r.options.quick ? 'quick run' : 'full run'} · cores: ${r.options.cores.join(', ')}`)}</p>
${errors ? `<h2>Failed workloads</h2><ul>${errors}</ul>` : ''}
<h2>Charts</h2>
${charts.map(renderBarChart).join('\n')}
${targets ? `<h2>Targets (loop core)</h2><table><tr><th>target</th><th>value</th><th>limit</th><th></th></tr>\n${targets}</table>` : ''}
<h2>All figures</h2>
<table><tr><th>workload</th><th>variant</th><th>figure</th><th>value</th><th>÷ baseline</th></tr>
${rows}
</table>
</body></html>
`
}
