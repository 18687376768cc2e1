import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QUICK_BROADCAST_CLIENTS, QUICK_SCALE_IDLE_CONNECTIONS } from '../src/constants.js'
import type { BenchResults, Figure } from '../src/results.js'
import { loadResults, schemaErrors } from '../src/results-file.js'

const run = promisify(execFile)
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

let dir: string
let results: BenchResults
let stdout: string

// One --quick run of the wave-2 workloads plus burst and latency with --peers (forked processes, loopback).
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veltix-bench-wave2-'))
  const file = join(dir, 'w.json')
  const out = await run(
    process.execPath,
    [
      CLI,
      '--quick',
      '--only',
      'broadcast',
      'scale',
      'worker-core',
      'burst',
      'latency',
      '--peers',
      '--save',
      file,
    ],
    { timeout: 200_000 },
  )
  stdout = out.stdout
  results = await loadResults(file)
}, 220_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const fig = (workload: string, impl: Figure['impl'], name: string, core: Figure['core'] = 'loop') =>
  results.figures.find(
    (f) => f.workload === workload && f.impl === impl && f.core === core && f.name === name,
  )

describe('veltix-bench wave 2 (--quick)', () => {
  it('saves a valid file with no failed workload', () => {
    expect(schemaErrors(results)).toEqual([])
    expect(results.errors).toEqual([])
  })

  it('delivers everything: every success, delivery and connected figure is 100 %', () => {
    const rates = results.figures.filter((f) => f.unit === '%')
    expect(rates.length).toBeGreaterThan(15)
    for (const f of rates) expect(f.value, `${f.workload}/${f.impl}/${f.core}/${f.name}`).toBe(100)
  })

  it('broadcast: every client of the baseline and of Veltix counts deliveries', () => {
    for (const impl of ['baseline', 'veltix'] as const) {
      expect(fig('broadcast', impl, 'clients')?.value).toBe(QUICK_BROADCAST_CLIENTS)
      expect(fig('broadcast', impl, 'deliveries.perSec')?.value).toBeGreaterThan(0)
      expect(fig('broadcast', impl, 'server.cpuPerDelivery')?.value).toBeGreaterThan(0)
    }
  })

  it('scale: the server holds every idle connection, memory per connection is measured', () => {
    for (const impl of ['baseline', 'veltix'] as const) {
      expect(fig('scale', impl, 'connections')?.value).toBe(QUICK_SCALE_IDLE_CONNECTIONS)
      expect(fig('scale', impl, 'handshakes.perSec')?.value).toBeGreaterThan(0)
      expect(fig('scale', impl, 'server.rss')?.value).toBeGreaterThan(0)
      expect(Number.isFinite(fig('scale', impl, 'server.rssPerConnection')?.value)).toBe(true)
    }
  })

  it('worker-core: both Veltix cores and the baseline stream 1 MiB frames; worker ÷ loop is a ratio', () => {
    expect(fig('worker-core', 'baseline', 'frames.perSec')?.value).toBeGreaterThan(0)
    expect(fig('worker-core', 'veltix', 'frames.perSec', 'loop')?.value).toBeGreaterThan(0)
    expect(fig('worker-core', 'veltix', 'frames.perSec', 'worker')?.value).toBeGreaterThan(0)
    const r = results.ratios.find(
      (x) => x.workload === 'worker-core' && x.reference === 'veltix-loop' && x.name === 'frames.perSec',
    )
    expect(r?.core).toBe('worker')
    expect(r?.value).toBeGreaterThan(0)
  })

  it('the 4-byte-length raw program and both peers run burst and latency in the same run', () => {
    for (const impl of ['raw4', 'socketio', 'zeromq'] as const) {
      expect(fig('burst', impl, 'receive.msgPerSec')?.value, impl).toBeGreaterThan(0)
      expect(fig('latency', impl, 'sendAndWait.p50')?.value, impl).toBeGreaterThan(0)
      expect(fig('latency', impl, 'ping.p50')?.value, impl).toBeGreaterThan(0)
    }
    const raw4 = results.ratios.find(
      (x) => x.workload === 'burst' && x.reference === 'raw4' && x.name === 'receive.msgPerSec',
    )
    expect(raw4?.value).toBeGreaterThan(0)
  })

  it('checks the wave-2 targets and prints them as PASS/MISS lines', () => {
    const ids = results.targets.map((t) => t.id)
    for (const id of [
      'burst.receive.raw4',
      'latency.sendAndWait',
      'latency.sendAndWait.p99',
      'broadcast',
      'scale.rssPerConnection',
      'worker-core.speedup',
    ])
      expect(ids).toContain(id)
    expect(stdout).toMatch(/burst receive rate \/ 4-byte-length raw .*(PASS|MISS)/)
    expect(stdout).toContain('socket.io')
    expect(stdout).toContain('÷raw4 loop')
  })
})
