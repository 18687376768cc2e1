import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ResultsFormatError } from '../src/errors.js'
import { compareResults, renderComparison } from '../src/report/compare.js'
import { chartsFor, renderHtml } from '../src/report/html.js'
import { renderSummary } from '../src/report/summary.js'
import { loadResults, saveResults, schemaErrors, validateResults } from '../src/results-file.js'
import { fakeResults } from './fixtures.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veltix-bench-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('results files', () => {
  it('round-trips through save and load', async () => {
    const r = fakeResults()
    const file = join(dir, 'a.json')
    await saveResults(file, r)
    expect(await loadResults(file)).toEqual(JSON.parse(JSON.stringify(r)))
  })

  it('records the environment and options', () => {
    const r = fakeResults()
    expect(schemaErrors(r)).toEqual([])
    expect(r.env.node).toBe(process.version)
    expect(r.env.cores).toBeGreaterThan(0)
    expect(typeof r.env.cpuModel).toBe('string')
  })

  it('rejects files that are not results, naming the problem', async () => {
    const bad = join(dir, 'bad.json')
    await writeFile(bad, JSON.stringify({ schema: 'something-else', figures: [{}] }))
    await expect(loadResults(bad)).rejects.toThrow(ResultsFormatError)
    await expect(loadResults(bad)).rejects.toThrow(/schema|missing/)
    const notJson = join(dir, 'x.json')
    await writeFile(notJson, '{nope')
    await expect(loadResults(notJson)).rejects.toThrow(/not JSON/)
    await expect(loadResults(join(dir, 'missing.json'))).rejects.toThrow(ResultsFormatError)
  })

  it('reports a wrongly typed figure by its path', () => {
    const r = JSON.parse(JSON.stringify(fakeResults()))
    r.figures[3].value = 'fast'
    r.figures[4].unit = 'parsecs'
    const errs = schemaErrors(r)
    expect(errs).toContain('$.figures[3].value: must be a number')
    expect(errs.some((e) => e.startsWith('$.figures[4].unit'))).toBe(true)
    expect(() => validateResults(r)).toThrow(ResultsFormatError)
  })
})

describe('compare', () => {
  it('marks regressions beyond the threshold in the bad direction only', () => {
    const old = fakeResults(0.9)
    const neu = fakeResults(0.7) // Veltix slower: rates down, latencies up
    const c = compareResults(old, neu, 10)
    const burst = c.changes.find((x) => x.key === 'burst/veltix/loop/receive.msgPerSec')!
    expect(burst.changePct).toBeCloseTo(-22.2, 1)
    expect(burst.regression).toBe(true)
    const p50 = c.changes.find((x) => x.key === 'latency/veltix/loop/ping.p50')!
    expect(p50.changePct).toBeGreaterThan(10)
    expect(p50.regression).toBe(true)
    const base = c.changes.find((x) => x.key === 'burst/baseline/loop/receive.msgPerSec')!
    expect(base.regression).toBe(false)
    expect(c.regressions).toBe(c.changes.filter((x) => x.regression).length)
    // The other way round, the same changes are improvements.
    const back = compareResults(neu, old, 10)
    expect(back.changes.find((x) => x.key === burst.key)?.improvement).toBe(true)
    expect(back.regressions).toBe(0)
    const text = renderComparison(c)
    expect(text).toContain('REGRESSION')
    expect(text).toMatch(/\d+ regressions? beyond 10 %/)
  })

  it('lists figures present in only one run', () => {
    const old = fakeResults()
    const neu = fakeResults()
    neu.figures = neu.figures.filter((f) => f.workload !== 'stress')
    const c = compareResults(old, neu, 10)
    expect(c.missing).toContain('stress/veltix/loop/msgPerSec')
    expect(c.added).toEqual([])
  })
})

describe('summary and HTML', () => {
  it('prints a section per workload and the targets', () => {
    const text = renderSummary(fakeResults())
    for (const w of ['latency', 'burst', 'stress', 'memory', 'fps', 'throughput-by-size'])
      expect(text).toContain(w)
    expect(text).toContain('ratio loop')
    expect(text).toMatch(/PASS|MISS/)
  })

  it('renders a self-contained page with the charts', async () => {
    const r = fakeResults()
    const html = renderHtml(r)
    const file = join(dir, 'report.html')
    await writeFile(file, html)
    const page = await readFile(file, 'utf8')
    expect(page.startsWith('<!doctype html>')).toBe(true)
    // No external asset of any kind: no script, no link, no src/href to another document.
    expect(page).not.toMatch(/<script|<link|<img|src=|href=|@import|url\(/i)
    const svgs = page.match(/<svg[\s\S]*?<\/svg>/g) ?? []
    expect(svgs.length).toBe(chartsFor(r).length)
    const titles = [...page.matchAll(/<svg[^>]*aria-label="([^"]+)"/g)].map((m) => m[1])
    expect(titles.some((t) => t?.startsWith('Latency: ping'))).toBe(true)
    expect(titles.some((t) => t?.startsWith('Latency: sendAndWait'))).toBe(true)
    expect(titles.some((t) => t?.startsWith('Burst'))).toBe(true)
    expect(titles.some((t) => t?.startsWith('Throughput by payload size'))).toBe(true)
    expect(titles.some((t) => t?.startsWith('Veltix ÷ baseline'))).toBe(true)
    // Every chart has bars, and the ratio chart its 1.0 reference line.
    for (const s of svgs) expect(s).toContain('<rect')
    expect(svgs.find((s) => s.includes('Veltix ÷ baseline'))).toContain('class="ref"')
  })

  it('escapes text that came from the machine', () => {
    const r = fakeResults()
    r.env.cpuModel = '<script>alert(1)</script>'
    expect(renderHtml(r)).not.toContain('<script>')
  })
})
