// Encryption cost, as ratios to the same run without it: loopback burst (N one-way messages of S bytes,
// client -> server, time until the server has them all) and ping p50 (sequential client pings).
// Usage: pnpm --filter veltix build && node packages/veltix/bench/encryption-bench.mjs [--n 200000] [--size 64] [--pings 2000] [--rounds 3] [--core loop|worker] [--split]
// --split runs the servers in a child process (client and server then do not share one thread, as in a deployment).
import { fork } from 'node:child_process'
import { parseArgs } from 'node:util'
import {
  Client,
  generateIdentity,
  MessageType,
  noopLogger,
  Request,
  Server,
  SocketCore,
} from '../dist/index.js'

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '200000' },
    size: { type: 'string', default: '64' },
    pings: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    core: { type: 'string', default: 'loop' },
    split: { type: 'boolean', default: false },
    serve: { type: 'boolean', default: false },
  },
})
const N = Number(values.n)
const SIZE = Number(values.size)
const PINGS = Number(values.pings)
const ROUNDS = Number(values.rounds)
const core = values.core === 'worker' ? SocketCore.WORKER : SocketCore.LOOP
const BURST = new MessageType(210, 'burst')
const identity = generateIdentity()

async function startServer(encrypted, onBurstDone) {
  const enc = encrypted ? { encryption: 'required' } : {}
  const server = new Server({
    host: '127.0.0.1',
    port: 0,
    logger: noopLogger,
    socketCore: core,
    identity,
    ...enc,
  })
  let got = 0
  server.route(BURST, () => {
    if (++got === N) {
      got = 0
      onBurstDone()
    }
  })
  await server.start()
  return server
}

if (values.serve) {
  // Child of --split: both servers; tells the parent when a burst is complete.
  const servers = {}
  for (const m of ['plain', 'encrypted']) {
    servers[m] = await startServer(m === 'encrypted', () => process.send({ done: m }))
  }
  process.send({
    ports: { plain: servers.plain.port, encrypted: servers.encrypted.port },
    fingerprint: servers.encrypted.fingerprint,
  })
  process.on('disconnect', async () => {
    for (const s of Object.values(servers)) await s.closeAll()
  })
}

let child
const childDone = {}
let remote
if (!values.serve && values.split) {
  child = fork(new URL(import.meta.url), [...process.argv.slice(2).filter((a) => a !== '--split'), '--serve'])
  remote = await new Promise((r) => child.once('message', r))
  child.on('message', (m) => childDone[m.done]?.())
}

async function setup(encrypted) {
  const mode = encrypted ? 'encrypted' : 'plain'
  const enc = encrypted ? { encryption: 'required' } : {}
  let done
  const server = child === undefined ? await startServer(encrypted, () => done()) : undefined
  if (child !== undefined) childDone[mode] = () => done()
  const client = new Client({
    serverAddr: '127.0.0.1',
    port: server?.port ?? remote.ports[mode],
    logger: noopLogger,
    socketCore: core,
    ...(encrypted ? { ...enc, serverKey: server?.fingerprint ?? remote.fingerprint } : {}),
  })
  if (!(await client.connect())) throw new Error(`connect failed: ${client.lastError?.message}`)
  if (client.encrypted !== encrypted) throw new Error('encryption state is not the one asked for')
  return {
    async burst() {
      const finished = new Promise((r) => {
        done = r
      })
      const payload = Buffer.alloc(SIZE, 7)
      const sender = client.getSender()
      const t0 = performance.now()
      for (let i = 0; i < N; i++) sender.send(new Request(BURST, payload))
      await finished
      return performance.now() - t0
    },
    ping() {
      return client.pingServer({ timeout: 5000 })
    },
    async close() {
      await client.disconnect()
      await server?.closeAll()
    },
  }
}

if (values.serve) await new Promise(() => {}) // the child only serves

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const rows = { plain: { burst: [], ping: [] }, encrypted: { burst: [], ping: [] } }
// Both pairs live at once; bursts alternate which goes first, pings alternate one by one, so load from
// other processes on a shared machine hits both modes alike.
const pairs = { plain: await setup(false), encrypted: await setup(true) }
for (const m of ['plain', 'encrypted']) await pairs[m].burst() // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const m of r % 2 === 0 ? ['plain', 'encrypted'] : ['encrypted', 'plain']) {
    rows[m].burst.push(N / ((await pairs[m].burst()) / 1000))
  }
}
for (let i = 0; i < 200; i++) for (const m of ['plain', 'encrypted']) await pairs[m].ping() // warm-up
for (let i = 0; i < PINGS; i++)
  for (const m of ['plain', 'encrypted']) rows[m].ping.push(await pairs[m].ping())
for (const m of ['plain', 'encrypted']) await pairs[m].close()
const out = {}
for (const m of ['plain', 'encrypted']) {
  out[m] = {
    burstMsgPerS: Math.round(median(rows[m].burst)),
    pingP50Ms: Number(median(rows[m].ping).toFixed(4)),
  }
}
child?.disconnect()
console.log(
  `${values.split ? 'client and servers in two processes' : 'one process'}, core ${values.core}, burst ${N} x ${SIZE} B (median of ${ROUNDS}), ${PINGS} interleaved pings`,
)
console.table(out)
const burstRatio = out.encrypted.burstMsgPerS / out.plain.burstMsgPerS
const pingRatio = out.encrypted.pingP50Ms / out.plain.pingP50Ms
console.log(`encrypted/plain burst throughput: ${burstRatio.toFixed(2)}x (target >= 0.5)`)
console.log(`encrypted/plain ping p50:         ${pingRatio.toFixed(2)}x (target <= 1.3)`)
