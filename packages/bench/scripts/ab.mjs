#!/usr/bin/env node
// Interleaved A/B of two built checkouts of this repository: runs the bench of A, then of B, ROUNDS times
// (A B A B …, so drift of the machine hits both), and prints the median of every Veltix and baseline figure
// per build and B ÷ A. Usage (each DIR is a repo root after `pnpm build`):
//   flock /tmp/veltix-bench.lock node packages/bench/scripts/ab.mjs DIR_A DIR_B [ROUNDS] [-- bench options]
// Default bench options: --only burst stress latency throughput-by-size --core loop --repeat 1
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

const argv = process.argv.slice(2)
const dash = argv.indexOf('--')
const [a, b, roundsArg] = dash === -1 ? argv : argv.slice(0, dash)
const extra =
  dash === -1
    ? ['--only', 'burst', 'stress', 'latency', 'throughput-by-size', '--core', 'loop', '--repeat', '1']
    : argv.slice(dash + 1)
if (a === undefined || b === undefined) {
  console.error('usage: ab.mjs DIR_A DIR_B [ROUNDS] [-- bench options]')
  process.exit(2)
}
const rounds = Number(roundsArg ?? 3)
const samples = { A: new Map(), B: new Map() }
const better = new Map()
for (let r = 0; r < rounds; r++) {
  for (const [label, dir] of [
    ['A', a],
    ['B', b],
  ]) {
    const cli = join(dir, 'packages/bench/dist/cli.js')
    const out = execFileSync(process.execPath, [cli, ...extra, '--json'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    const results = JSON.parse(out)
    for (const f of results.figures) {
      const key = `${f.workload} ${f.impl}${f.core ? `/${f.core}` : ''} ${f.name} (${f.unit})`
      if (!samples[label].has(key)) samples[label].set(key, [])
      samples[label].get(key).push(f.value)
      better.set(key, f.better)
    }
    console.error(`round ${r + 1}/${rounds} ${label} done`)
  }
}
const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y)
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4))
console.log(
  `A = ${a}\nB = ${b}\n${rounds} interleaved rounds, medians; B ÷ A (better: higher/lower per figure)\n`,
)
console.log(`${'figure'.padEnd(64)} ${'A'.padStart(12)} ${'B'.padStart(12)} ${'B÷A'.padStart(7)}`)
for (const [key, xs] of samples.A) {
  const ys = samples.B.get(key)
  if (ys === undefined || typeof xs[0] !== 'number') continue
  const ma = median(xs)
  const mb = median(ys)
  const ratio = ma === 0 ? Number.NaN : mb / ma
  console.log(
    `${key.slice(0, 64).padEnd(64)} ${fmt(ma).padStart(12)} ${fmt(mb).padStart(12)} ${ratio.toFixed(3).padStart(7)}  (${better.get(key)})`,
  )
}
