import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WORKLOADS } from '../src/options.js'
import type { BenchResults } from '../src/results.js'
import { loadResults, schemaErrors } from '../src/results-file.js'
import { runBench } from '../src/run.js'

const run = promisify(execFile)
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

let dir: string
let results: BenchResults
let stdout: string
let stderr: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veltix-bench-cli-'))
  // One --quick run of every workload (baseline and Veltix, forked processes), shared by the tests below.
  const out = await run(
    process.execPath,
    [CLI, '--quick', '--save', join(dir, 'a.json'), '--html', join(dir, 'a.html')],
    {
      timeout: 120_000,
    },
  )
  stdout = out.stdout
  stderr = out.stderr
  results = await loadResults(join(dir, 'a.json'))
}, 150_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('veltix-bench --quick (every workload, forked server and client)', () => {
  it('saves a file that follows the schema, with the environment', () => {
    expect(schemaErrors(results)).toEqual([])
    expect(results.errors).toEqual([])
    expect(results.options.quick).toBe(true)
    expect(results.env.node).toBe(process.version)
  })

  it('measures every workload for the baseline and for Veltix', () => {
    for (const w of WORKLOADS) {
      for (const impl of ['baseline', 'veltix'] as const) {
        expect(
          results.figures.some((f) => f.workload === w && f.impl === impl),
          `${w}/${impl}`,
        ).toBe(true)
      }
    }
  })

  it('delivers everything: every success and delivery figure is 100 %', () => {
    const rates = results.figures.filter((f) => f.unit === '%')
    expect(rates.length).toBeGreaterThan(20)
    for (const f of rates) expect(f.value, `${f.workload}/${f.impl}/${f.name}`).toBe(100)
  })

  it('reports the latency percentiles and rates as positive numbers', () => {
    for (const impl of ['baseline', 'veltix'] as const) {
      for (const name of [
        'ping.p50',
        'ping.p99',
        'ping.p999',
        'sendAndWait.p50',
        'sendAndWait.max',
        'ping.rps',
      ]) {
        const f = results.figures.find((x) => x.workload === 'latency' && x.impl === impl && x.name === name)
        expect(f?.value, `${impl} ${name}`).toBeGreaterThan(0)
      }
    }
    const memory = results.figures.find(
      (f) => f.workload === 'memory' && f.impl === 'veltix' && f.name === 'scale.connections',
    )
    expect(memory?.value).toBe(results.options.connections)
  })

  it('computes the ratios and checks the targets', () => {
    const names = results.ratios.map((r) => `${r.workload}/${r.name}`)
    expect(names).toEqual(
      expect.arrayContaining(['burst/receive.msgPerSec', 'stress/msgPerSec', 'latency/ping.p50']),
    )
    expect(results.targets.map((t) => t.id)).toEqual(
      expect.arrayContaining([
        'burst.receive',
        'stress',
        'latency.sendAndWait',
        'latency.ping',
        'memory.perConnection',
      ]),
    )
  })

  it('prints the summary table on stdout and plain progress lines on a non-TTY stderr', () => {
    expect(stdout).toContain('ratio loop')
    expect(stdout).toContain('targets (loop core)')
    expect(stderr).toContain('[latency] veltix/loop ping')
    expect(stderr).not.toContain('\r')
  })

  it('writes the HTML report with its charts', async () => {
    const html = await readFile(join(dir, 'a.html'), 'utf8')
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(7)
    expect(html).toContain('Latency: ping round trip')
    expect(html).toContain('Veltix ÷ baseline')
    expect(html).not.toMatch(/<script|<link|src=|href=/i)
  })

  it('compares two saved files and marks regressions', async () => {
    const worse: BenchResults = JSON.parse(JSON.stringify(results))
    for (const f of worse.figures) if (f.impl === 'veltix' && f.unit === 'msg/s') f.value /= 2
    await writeFile(join(dir, 'b.json'), JSON.stringify(worse))
    const out = await run(process.execPath, [
      CLI,
      '--compare',
      join(dir, 'a.json'),
      '--against',
      join(dir, 'b.json'),
    ])
    expect(out.stdout).toMatch(/burst\/veltix\/loop\/receive\.msgPerSec\s.*-50\.0 %\s+REGRESSION/)
    expect(out.stdout).toMatch(/[1-9]\d* regressions? beyond 10 %/)
  })

  it('refuses a --compare file that is not a results file, before running anything', async () => {
    await writeFile(join(dir, 'junk.json'), '{"hello": 1}')
    const err = await run(process.execPath, [CLI, '--quick', '--compare', join(dir, 'junk.json')]).catch(
      (e) => e,
    )
    expect(err.code).toBe(2)
    expect(err.stderr).toContain('ResultsFormatError')
  })

  it('rejects bad arguments with exit code 2 and the usage', async () => {
    const err = await run(process.execPath, [CLI, '--only', 'everything']).catch((e) => e)
    expect(err.code).toBe(2)
    expect(err.stderr).toContain('usage: veltix-bench')
  })
})

describe('veltix-bench with the worker core, repeats and the heap breakdown', () => {
  it('runs Veltix on the worker core, keeps every run and breaks the heap down per connection', async () => {
    const out = await run(
      process.execPath,
      [
        CLI,
        '--quick',
        '--only',
        'memory',
        'burst',
        '--core',
        'worker',
        '--no-baseline',
        '--repeat',
        '2',
        '--aggregate',
        'best',
        '--heap-breakdown',
        '--json',
      ],
      { timeout: 120_000 },
    )
    const r = JSON.parse(out.stdout) as BenchResults
    expect(schemaErrors(r)).toEqual([])
    expect(r.errors).toEqual([])
    expect(new Set(r.figures.map((f) => `${f.impl}/${f.core}`))).toEqual(new Set(['veltix/worker']))
    expect(r.ratios).toEqual([])
    const success = r.figures.find((f) => f.workload === 'burst' && f.name === 'success')
    expect(success?.samples).toEqual([100, 100])
    const server = r.breakdowns?.find((b) => b.side === 'server')
    expect(server?.rows.length).toBeGreaterThan(0)
    // Every server connection holds a Session object of its own.
    expect(server?.rows.find((row) => row.name === 'Session')?.count).toBeCloseTo(1, 0)
  }, 150_000)
})

describe('runBench (programmatic, in-process)', () => {
  it('runs a workload with both sides in this process', async () => {
    const r = await runBench({ quick: true, only: ['burst'], inProcess: true })
    expect(r.errors).toEqual([])
    // baseline, raw4 (the 4-byte-length program) and Veltix
    expect(r.figures.filter((f) => f.name === 'success').map((f) => f.value)).toEqual([100, 100, 100])
    expect(r.ratios.some((x) => x.name === 'receive.msgPerSec')).toBe(true)
  })
})

describe('runBench abort', () => {
  it('stops a running workload, closes its processes and rejects with AbortError', async () => {
    const controller = new AbortController()
    const started = runBench(
      { only: ['latency'], latencyCount: 10_000_000, latencyWarmup: 0, repeat: 1, noBaseline: true },
      {
        signal: controller.signal,
        progress: {
          start() {},
          update(_f, phase) {
            if (phase.includes('ping')) setTimeout(() => controller.abort(), 200)
          },
          end() {},
        },
      },
    )
    await expect(started).rejects.toMatchObject({ name: 'AbortError' })
  })
})
