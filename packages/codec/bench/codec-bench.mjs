// Micro-benchmark of @veltix/codec against a minimal 4-byte length-prefix framing (the baseline).
// Run with `pnpm bench` (builds first) or `node bench/codec-bench.mjs` after `pnpm exec tsup`.
// Not part of `test`: numbers depend on the machine. Decoders are fed 64 KiB slices of a pre-encoded stream,
// as a socket would hand them out.
import { encodeFrame, FrameDecoder, MessageType, MessageTypeRegistry } from '../dist/index.js'

const SIZES = [64, 1024, 64 * 1024]
const CHUNK = 64 * 1024
const STREAM_BYTES = 8 * 1024 * 1024 // pre-encoded stream per size
const MIN_MS = Number(process.env.BENCH_MS ?? 1000) // per measurement

/** Baseline encoder: u32 length + payload, one allocation per message (as encodeFrame). */
function encodeLengthPrefixed(payload) {
  const out = Buffer.allocUnsafe(4 + payload.length)
  out.writeUInt32BE(payload.length, 0)
  out.set(payload, 4)
  return out
}

/**
 * Baseline decoder of the same shape as FrameDecoder: a chunk list, never concatenated; views for payloads
 * inside one chunk (made the same way, as a plain Uint8Array), one copy for payloads that span chunks. No CRC,
 * no header fields, no limit.
 */
class LengthPrefixDecoder {
  #chunks = []
  #first = 0
  #head = 0
  #buffered = 0
  #len = new Uint8Array(4)
  constructor(onMessage) {
    this.onMessage = onMessage
  }
  push(chunk) {
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
    while (this.#buffered >= 4) {
      let c = this.#chunks[this.#first]
      let size
      if (c.length - this.#head >= 4) {
        const o = this.#head
        size = ((c[o] << 24) | (c[o + 1] << 16) | (c[o + 2] << 8) | c[o + 3]) >>> 0
      } else {
        this.#copyOut(this.#len, 4)
        const l = this.#len
        size = ((l[0] << 24) | (l[1] << 16) | (l[2] << 8) | l[3]) >>> 0
      }
      if (this.#buffered < 4 + size) return
      this.#skip(4)
      let payload
      c = this.#chunks[this.#first]
      if (size === 0) payload = new Uint8Array(0)
      else if (c.length - this.#head >= size) {
        payload = new Uint8Array(c.buffer, c.byteOffset + this.#head, size)
        this.#skip(size)
      } else {
        payload = new Uint8Array(size)
        this.#copyOut(payload, size)
        this.#skip(size)
      }
      this.onMessage({ payload })
    }
  }
  #copyOut(target, n) {
    let written = 0
    let offset = this.#head
    for (let i = this.#first; written < n; i++) {
      const c = this.#chunks[i]
      const take = Math.min(c.length - offset, n - written)
      target.set(c.subarray(offset, offset + take), written)
      written += take
      offset = 0
    }
  }
  #skip(n) {
    this.#buffered -= n
    while (n > 0) {
      const c = this.#chunks[this.#first]
      const left = c.length - this.#head
      if (n < left) {
        this.#head += n
        return
      }
      n -= left
      this.#chunks[this.#first++] = undefined
      this.#head = 0
    }
    if (this.#first === this.#chunks.length) {
      this.#chunks.length = 0
      this.#first = 0
    }
  }
}

/**
 * Runs `pass` (which handles `perPass` messages) for ROUNDS rounds of about MIN_MS / ROUNDS each and returns
 * the median rate in messages per second (the machine is shared and noisy: a median resists outliers).
 */
const ROUNDS = 5
function measure(pass, perPass) {
  for (let i = 0; i < 3; i++) pass() // warm-up
  const rates = []
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0
    let elapsed = 0
    const start = process.hrtime.bigint()
    do {
      pass()
      n += perPass
      elapsed = Number(process.hrtime.bigint() - start) / 1e6
    } while (elapsed < MIN_MS / ROUNDS)
    rates.push((n / elapsed) * 1000)
  }
  rates.sort((a, b) => a - b)
  return rates[ROUNDS >> 1]
}

function slices(stream) {
  const out = []
  for (let i = 0; i < stream.length; i += CHUNK) out.push(stream.subarray(i, i + CHUNK))
  return out
}

const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`).padStart(9)
const rows = []
let sink = 0

for (const size of SIZES) {
  const payload = new Uint8Array(size).map((_, i) => (i * 31) & 0xff)
  const count = Math.max(64, Math.floor(STREAM_BYTES / (size + 22)))
  const encodeBatch = Math.min(count, 20_000)

  const encVeltix = measure(() => {
    for (let i = 0; i < encodeBatch; i++)
      sink ^= encodeFrame({ code: 200, payload, requestId: i, timestamp: 1 }).length
  }, encodeBatch)
  const encBase = measure(() => {
    for (let i = 0; i < encodeBatch; i++) sink ^= encodeLengthPrefixed(payload).length
  }, encodeBatch)

  const veltixChunks = slices(
    Buffer.concat(
      Array.from({ length: count }, (_, i) =>
        encodeFrame({ code: 200, payload, requestId: i, timestamp: 1 }),
      ),
    ),
  )
  const baseChunks = slices(Buffer.concat(Array.from({ length: count }, () => encodeLengthPrefixed(payload))))

  let got = 0
  const onFrame = (f) => {
    got++
    sink ^= f.payload.length
  }
  const decVeltix = measure(() => {
    const d = new FrameDecoder({ onFrame })
    for (const c of veltixChunks) d.push(c)
  }, count)
  const registry = new MessageTypeRegistry([new MessageType(200, 'chat')])
  const decRegistry = measure(() => {
    const d = new FrameDecoder({ onFrame, registry })
    for (const c of veltixChunks) d.push(c)
  }, count)
  const decBase = measure(() => {
    const d = new LengthPrefixDecoder(onFrame)
    for (const c of baseChunks) d.push(c)
  }, count)
  if (got === 0) throw new Error('nothing decoded')

  rows.push({ size, encVeltix, encBase, decVeltix, decRegistry, decBase })
}

const label = (s) => (s >= 1024 ? `${s / 1024} KiB` : `${s} B`).padEnd(7)
console.log(
  `node ${process.version}, ${CHUNK / 1024} KiB chunks, median of ${ROUNDS} rounds over ${MIN_MS} ms per figure (msgs/s)`,
)
console.log(
  'payload | encode veltix | encode len-prefix | ratio | decode veltix | +registry | decode len-prefix | ratio',
)
for (const r of rows) {
  console.log(
    `${label(r.size)} | ${fmt(r.encVeltix)}     | ${fmt(r.encBase)}         | ${(r.encVeltix / r.encBase).toFixed(2)}  | ${fmt(r.decVeltix)}     | ${fmt(r.decRegistry)} | ${fmt(r.decBase)}         | ${(r.decVeltix / r.decBase).toFixed(2)}`,
  )
}
if (process.env.BENCH_JSON) console.log(JSON.stringify(rows))
if (sink === 0.5) console.log(sink) // keep results alive
