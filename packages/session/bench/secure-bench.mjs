// Micro-benchmark of the secure channel (src/secure): seal+open per message against a plain copy of the same
// payload and against the plain frame path (codec encode + decode), and full handshakes per second.
// Run from packages/session: `node bench/secure-bench.mjs` (bundles src/secure with tsup into
// dist/secure-bench first; @veltix/codec's dist must exist). BENCH_MS sets the time per measurement.
// Not part of `test`: numbers depend on the machine and on what else runs on it.
import { pathToFileURL } from 'node:url'
import { decodeFrame, encodeFrame } from '@veltix/codec'
import { build } from 'tsup'

const OUT = 'dist/secure-bench'
await build({
  entry: { secure: 'src/secure/index.ts' },
  format: ['esm'],
  outDir: OUT,
  target: 'node20',
  external: [/^@veltix\//],
  silent: true,
  config: false,
  dts: false,
  clean: true,
})
const S = await import(pathToFileURL(`${OUT}/secure.js`).href)

const MIN_MS = Number(process.env.BENCH_MS ?? 1000)
const SIZES = [64, 1024, 16 * 1024]
const TS = 1_700_000_000_000

function measure(fn, warmup = 2000) {
  for (let i = 0; i < warmup; i++) fn()
  let n = 0
  const start = performance.now()
  let now = start
  while (now - start < MIN_MS) {
    for (let i = 0; i < 100; i++) fn()
    n += 100
    now = performance.now()
  }
  return (n / (now - start)) * 1000
}

function connect(identity) {
  const server = S.createServerHandshake({ identity })
  const client = S.createClientHandshake({ serverKey: S.fingerprint(identity.publicKey) })
  const h = client.receiveHello(server.hello('1.6.3'), '1.6.3')
  const a = server.receiveAck(h.ack)
  return { client: client.receiveFinished(a.finished).channel, server: a.channel }
}

const identity = S.generateIdentity()
const fmt = (x, w = 12) => Math.round(x).toLocaleString('en-US').padStart(w)
console.log(`node ${process.version}, ${MIN_MS} ms per measurement, messages per second`)
console.log(
  'payload   plain copy   codec frame    seal+open  secure frame   copy/seal+open  frame/secure frame',
)
for (const size of SIZES) {
  const payload = Buffer.alloc(size, 0x61)
  // a floor for the unencrypted path: the payload copied into an outgoing frame and once on the way in
  const plain = measure(() => {
    const out = Buffer.allocUnsafe(22 + size)
    out.set(payload, 22)
    return new Uint8Array(out.subarray(22))
  })
  // the plain frame path's own cost: encode (CRC) + decode (CRC check)
  const frame = measure(() => decodeFrame(encodeFrame({ code: 200, requestId: 1, timestamp: TS, payload })))
  const { client, server } = connect(identity)
  let id = 0
  const secure = measure(() => server.open(client.seal(200, id++ >>> 0, TS, payload)))
  // an encrypted frame end to end: seal, the outer frame's encode + decode, open
  const secureFrame = measure(() => {
    const record = client.seal(200, id++ >>> 0, TS, payload)
    return server.open(
      decodeFrame(encodeFrame({ code: 30, requestId: 0, timestamp: 0, payload: record })).payload,
    )
  })
  console.log(
    `${String(size).padStart(7)} ${fmt(plain)} ${fmt(frame, 13)} ${fmt(secure)} ${fmt(secureFrame, 13)} ${(plain / secure).toFixed(1).padStart(15)}x ${(frame / secureFrame).toFixed(1).padStart(18)}x`,
  )
}
const hs = measure(() => connect(identity), 50)
console.log(`full handshakes (client + server in one thread): ${fmt(hs).trim()} /s`)
