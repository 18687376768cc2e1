// Benchmark of @veltix/logger writing to a file, against writing the same preformatted lines straight to an
// fs.WriteStream (the baseline). Run with `pnpm bench` (builds first) or `node bench/logger-bench.mjs` after
// `pnpm exec tsup`. Not part of `test`: numbers depend on the machine and the disk.
// Each measurement logs LINES lines and stops the clock once the OS has them (`flush()` / the stream's 'finish').
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Logger } from '../dist/index.js'

const LINES = Number(process.env.BENCH_LINES ?? 200_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3) // best of
const ROTATION = 1024 * 1024 * 1024 // large: measure writing, not rotation

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'veltix-logger-bench-'))
let fileNo = 0
const nextFile = () => path.join(dir, `bench-${fileNo++}.log`)

function message(i) {
  return `request ${i} handled in 3 ms`
}
const CONTEXT = { peer: '10.0.0.7:51234', code: 200 }

async function runLogger(options) {
  const filePath = nextFile()
  const logger = new Logger({ console: false, filePath, fileRotationSize: ROTATION, ...options })
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < LINES; i++) logger.info(message(i), CONTEXT)
  await logger.flush() // handed to the OS, as the stream's 'finish'; close() adds an fsync, outside the clock
  const ns = Number(process.hrtime.bigint() - t0)
  await logger.close()
  return { ns, filePath }
}

/** Baseline: the very lines the logger wrote, preformatted, one `write` each, as an application would. */
async function runRaw(lines) {
  const filePath = nextFile()
  const stream = fs.createWriteStream(filePath)
  await new Promise((resolve) => stream.once('open', resolve))
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < lines.length; i++) stream.write(lines[i])
  await new Promise((resolve, reject) => stream.end((err) => (err ? reject(err) : resolve())))
  const ns = Number(process.hrtime.bigint() - t0)
  return ns
}

function readLines(filePath) {
  const text = fs.readFileSync(filePath, 'utf8')
  const lines = text.split('\n')
  lines.pop()
  return lines.map((l) => `${l}\n`)
}

const CASES = [
  { name: 'sync  text', options: { asyncWrite: false, format: 'text' } },
  { name: 'async text', options: { asyncWrite: true, format: 'text' } },
  { name: 'sync  json', options: { asyncWrite: false, format: 'json' } },
  { name: 'async json', options: { asyncWrite: true, format: 'json' } },
  { name: 'async json, no caller', options: { asyncWrite: true, format: 'json', showCaller: false } },
]

const rate = (ns) => (LINES / (ns / 1e9)).toFixed(0).padStart(9)

try {
  console.log(`@veltix/logger: ${LINES} lines to a file, best of ${ROUNDS}, node ${process.version}`)
  console.log('case                        logger lines/s   raw WriteStream lines/s   ratio')
  for (const c of CASES) {
    let best = Number.POSITIVE_INFINITY
    let bestRaw = Number.POSITIVE_INFINITY
    for (let r = 0; r < ROUNDS; r++) {
      const { ns, filePath } = await runLogger(c.options)
      const lines = readLines(filePath)
      if (lines.length !== LINES)
        throw new Error(`${c.name}: ${lines.length} lines on disk, expected ${LINES}`)
      fs.rmSync(filePath)
      const rawNs = await runRaw(lines)
      best = Math.min(best, ns)
      bestRaw = Math.min(bestRaw, rawNs)
      for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f))
    }
    console.log(
      `${c.name.padEnd(26)} ${rate(best)}        ${rate(bestRaw)}                ${(bestRaw / best).toFixed(2)}x`,
    )
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
