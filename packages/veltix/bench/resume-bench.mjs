// Resume's cost on the happy path (no drop), as ratios to the same run with resume off: loopback burst (N
// one-way messages client -> server, time until the route has them all) and sequential sendAndWait (p50
// round trip). Targets: burst >= 0.9x, sendAndWait p50 <= 1.05x of resume off. Rounds alternate off / on.
// Usage: pnpm --filter veltix... build && flock /tmp/veltix-bench.lock node packages/veltix/bench/resume-bench.mjs [--n 100000] [--waits 3000] [--rounds 5]
import { parseArgs } from 'node:util'
import { Client, MessageType, noopLogger, Request, Server } from '../dist/index.js'

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    waits: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '5' },
  },
})
const N = Number(values.n)
const WAITS = Number(values.waits)
const ROUNDS = Number(values.rounds)
const MSG = new MessageType(210, 'burst')
const SMALL = Buffer.alloc(64, 1)
// Above what a burst leaves unacknowledged at once (the sender yields every 256 messages; acks come every 64).
const BOUND = 64 * 1024 * 1024

async function setup(resume) {
  const server = new Server({
    host: '127.0.0.1',
    port: 0,
    logger: noopLogger,
    ...(resume ? { resume: { windowMs: 10_000, maxBufferedBytes: BOUND } } : {}),
  })
  let got = 0
  let target = 0
  let waiting = false
  let done
  server.route(MSG, (r, c) => {
    if (waiting) c.send(Request.respond(r, r.content))
    else if (++got === target) done()
  })
  await server.start()
  const client = new Client({
    serverAddr: '127.0.0.1',
    port: server.port,
    logger: noopLogger,
    ...(resume ? { resume: { maxBufferedBytes: BOUND } } : {}),
  })
  await client.connect()
  return {
    async burst(n) {
      got = 0
      target = n
      waiting = false
      const all = new Promise((r) => {
        done = r
      })
      const t = performance.now()
      for (let i = 0; i < n; i++) {
        // A refused send (outbound queue full) is retried after a pause: every message arrives.
        while (!client.send(new Request(MSG, SMALL))) await new Promise((r) => setTimeout(r, 1))
        if ((i & 255) === 255) await new Promise((r) => setImmediate(r))
      }
      await all
      return performance.now() - t
    },
    async waits(n) {
      waiting = true
      const rtts = []
      for (let i = 0; i < n; i++) {
        const t = performance.now()
        await client.sendAndWait(new Request(MSG, SMALL), { timeout: 5000 })
        rtts.push(performance.now() - t)
      }
      return median(rtts)
    },
    check() {
      const s = client.stats().resume
      if (resume && (s === undefined || s.bufferFull > 0)) throw new Error('resume was not on, or was cut')
    },
    async close() {
      await client.disconnect()
      await server.closeAll()
    },
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const rows = { off: [], on: [] }
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of round % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
    const s = await setup(mode === 'on')
    const ms = await s.burst(N)
    const p50 = await s.waits(WAITS)
    s.check()
    rows[mode].push({ burst: N / (ms / 1000), p50 })
    await s.close()
  }
}
const med = (mode, k) => median(rows[mode].map((r) => r[k]))
console.log(
  `node ${process.version}, ${ROUNDS} rounds (median), n=${N}, waits=${WAITS}, 64 B payloads, loopback`,
)
for (const mode of ['off', 'on']) {
  console.log(
    `resume ${mode.padEnd(4)} burst ${med(mode, 'burst').toFixed(0).padStart(8)} msg/s (${(med(mode, 'burst') / med('off', 'burst')).toFixed(3)}x)` +
      `  sendAndWait p50 ${(med(mode, 'p50') * 1000).toFixed(1).padStart(7)} µs (${(med(mode, 'p50') / med('off', 'p50')).toFixed(3)}x)`,
  )
}
