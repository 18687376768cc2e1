// Plugin system cost, as ratios to the same run without plugins: loopback burst (N one-way messages client ->
// server, time until the route has them all) and sequential sendAndWait, with (a) no plugin, (b) one OBSERVE
// plugin on the type, (c) compression on both sides with 4 KiB JSON payloads (against (d) the same payloads
// without it), plus the bytes on the wire per message. With `--baseline-dir <worktree>` (a checkout built with
// `pnpm build`, e.g. one at 508cc5d, before plugins), the same no-plugin run of that build is interleaved in
// every round: `none` is then also reported against it (the idle plugin system's cost).
// Usage: pnpm --filter veltix build && flock /tmp/veltix-bench.lock node packages/veltix/bench/plugins-bench.mjs [--n 100000] [--n4k 20000] [--waits 3000] [--rounds 3] [--baseline-dir /path/to/worktree]
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    n4k: { type: 'string', default: '20000' },
    waits: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    'baseline-dir': { type: 'string' },
  },
})
const cur = await import('../dist/index.js')
const { compression } = await import('../dist/plugins.js')
const { AttachMode, noopLogger, VeltixBasePlugin } = cur
const baseDir = values['baseline-dir']
const base =
  baseDir === undefined
    ? undefined
    : await import(pathToFileURL(join(resolve(baseDir), 'packages/veltix/dist/index.js')).href)
const N = Number(values.n)
const N4K = Number(values.n4k)
const WAITS = Number(values.waits)
const ROUNDS = Number(values.rounds)
const SMALL = Buffer.alloc(64, 1)
const JSON_4K = Buffer.from(
  JSON.stringify(
    Array.from({ length: 70 }, (_, id) => ({ id, user: `user-${id}`, room: 'lobby', text: 'hello there' })),
  ),
)

class Observer extends VeltixBasePlugin {
  name = 'observer'
  seen = 0
  onMessage() {
    this.seen++
  }
}

async function setup(mode, lib = cur) {
  // Each build with its own classes (the baseline's Request is not ours); the API both builds have.
  const { Server, Client, Request, MessageType } = lib
  const MSG = new MessageType(210, 'burst')
  const server = new Server({ host: '127.0.0.1', port: 0, logger: noopLogger })
  let got = 0
  let done
  server.route(MSG, (r, c) => {
    if (waiting) c.send(new Request(r.type, r.content, { requestId: r.id }))
    if (++got === target) done()
  })
  let waiting = false
  let target = 0
  if (mode === 'observe') server.attach(MSG, new Observer(), AttachMode.OBSERVE)
  if (mode === 'compression') server.registerPlugin(compression())
  await server.start()
  const client = new Client({ serverAddr: '127.0.0.1', port: server.port, logger: noopLogger })
  if (mode === 'compression') client.registerPlugin(compression())
  await client.connect()
  const sender = client.getSender()
  return {
    async burst(n, payload) {
      got = 0
      target = n
      waiting = false
      const all = new Promise((r) => {
        done = r
      })
      const before = client.connection.stats.bytesOut
      const t = performance.now()
      for (let i = 0; i < n; i++) {
        // A refused send (outbound queue full) is retried after a pause: every message arrives.
        while (!sender.send(new Request(MSG, payload))) await new Promise((r) => setTimeout(r, 1))
        if ((i & 255) === 255) await new Promise((r) => setImmediate(r))
      }
      await all
      return { ms: performance.now() - t, bytesPerMsg: (client.connection.stats.bytesOut - before) / n }
    },
    async waits(n, payload) {
      waiting = true
      target = -1
      const t = performance.now()
      for (let i = 0; i < n; i++) await client.sendAndWait(new Request(MSG, payload), { timeout: 5000 })
      return performance.now() - t
    },
    async close() {
      await client.disconnect()
      await server.closeAll()
    },
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const rows = { baseline: [], none: [], observe: [], compression: [], plain4k: [] }
const modes = [...(base === undefined ? [] : ['baseline']), 'none', 'observe', 'compression', 'plain4k']
for (let round = 0; round < ROUNDS; round++) {
  // Alternating order per round: neither build always runs first (warm-up, GC, CPU frequency).
  for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
    const s =
      mode === 'baseline' ? await setup('none', base) : await setup(mode === 'plain4k' ? 'none' : mode)
    const big = mode === 'compression' || mode === 'plain4k'
    const b = await s.burst(big ? N4K : N, big ? JSON_4K : SMALL)
    const w = await s.waits(WAITS, big ? JSON_4K : SMALL)
    rows[mode].push({
      burst: (big ? N4K : N) / (b.ms / 1000),
      waits: WAITS / (w / 1000),
      bytes: b.bytesPerMsg,
    })
    await s.close()
  }
}
const med = (mode, k) => median(rows[mode].map((r) => r[k]))
const line = (mode, base) =>
  `${mode.padEnd(12)} burst ${med(mode, 'burst').toFixed(0).padStart(8)} msg/s (${(med(mode, 'burst') / med(base, 'burst')).toFixed(3)}x)` +
  `  sendAndWait ${med(mode, 'waits').toFixed(0).padStart(6)} /s (${(med(mode, 'waits') / med(base, 'waits')).toFixed(3)}x)` +
  `  wire ${med(mode, 'bytes').toFixed(0)} B/msg`
console.log(`node ${process.version}, ${ROUNDS} rounds (median), n=${N}, n4k=${N4K}, waits=${WAITS}`)
if (base !== undefined) {
  console.log(`baseline: ${resolve(baseDir)}`)
  console.log(line('baseline', 'baseline'))
  console.log(line('none', 'baseline').replace('none        ', 'none vs base'))
}
console.log(line('none', 'none'))
console.log(line('observe', 'none'))
console.log(line('plain4k', 'plain4k'))
console.log(line('compression', 'plain4k'))
