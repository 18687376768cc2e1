import { describe, expect, it } from 'vitest'
import { CODE_DATA, CODE_PING } from '../src/constants.js'
import { type Framing, RAW4_FRAMING, VELTIX_FRAMING } from '../src/impl/baseline.js'

function encode(framing: Framing, payloads: Uint8Array[]): Buffer {
  const total = payloads.reduce((n, p) => n + framing.overhead + p.length, 0)
  const out = Buffer.alloc(total)
  let off = 0
  for (const [i, p] of payloads.entries()) off = framing.write(out, off, CODE_DATA, i + 1, p)
  expect(off).toBe(total)
  return out
}

function payload(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff)
}

/** Feeds `bytes` in chunks of the given sizes (cycled) and collects what the decoder delivers. */
function decodeInChunks(framing: Framing, bytes: Buffer, sizes: number[]) {
  const got: { code: number; requestId: number; payload: Buffer }[] = []
  const d = framing.decoder((code, requestId, p) => got.push({ code, requestId, payload: Buffer.from(p) }))
  let off = 0
  let k = 0
  while (off < bytes.length) {
    const n = Math.min(sizes[k++ % sizes.length]!, bytes.length - off)
    expect(d.push(bytes.subarray(off, off + n))).toBe(true)
    off += n
  }
  return got
}

describe('raw4 framing (4-byte length, no CRC)', () => {
  const payloads = [new Uint8Array(0), payload(64, 1), payload(3, 2), payload(20_000, 3), payload(1, 4)]
  const bytes = encode(RAW4_FRAMING, payloads)

  it('puts a big-endian u32 length before each payload and nothing else', () => {
    expect(bytes.length).toBe(payloads.reduce((n, p) => n + 4 + p.length, 0))
    expect(bytes.readUInt32BE(0)).toBe(0)
    expect(bytes.readUInt32BE(4)).toBe(64)
    expect(Buffer.compare(bytes.subarray(8, 72), Buffer.from(payloads[1]!))).toBe(0)
  })

  for (const sizes of [[bytes.length], [1], [3, 5, 7], [4096], [2, 9000, 1]]) {
    it(`decodes every payload in order, whole, with chunks of ${sizes.join('/')} bytes`, () => {
      const got = decodeInChunks(RAW4_FRAMING, bytes, sizes)
      expect(got.map((g) => g.payload.length)).toEqual(payloads.map((p) => p.length))
      for (const [i, g] of got.entries()) expect(Buffer.compare(g.payload, Buffer.from(payloads[i]!))).toBe(0)
      // An empty frame is the ping (and the pong); any other a data message. No request ids on this wire.
      expect(got.map((g) => g.code)).toEqual([CODE_PING, CODE_DATA, CODE_DATA, CODE_DATA, CODE_DATA])
      expect(got.every((g) => g.requestId === 0)).toBe(true)
    })
  }

  it('refuses a length over its bound and says why', () => {
    const d = RAW4_FRAMING.decoder(() => {
      throw new Error('nothing may be delivered')
    })
    const head = Buffer.alloc(4)
    head.writeUInt32BE(0xffffffff, 0)
    expect(d.push(head)).toBe(false)
    expect(d.error).toBeInstanceOf(RangeError)
  })
})

describe('veltix framing of the baseline (same codec as Veltix)', () => {
  it('round-trips codes, request ids and payloads across chunk boundaries', () => {
    const payloads = [payload(64, 5), new Uint8Array(0), payload(100_000, 6)]
    const bytes = encode(VELTIX_FRAMING, payloads)
    expect(bytes.length).toBe(payloads.reduce((n, p) => n + 22 + p.length, 0))
    const got = decodeInChunks(VELTIX_FRAMING, bytes, [7, 1000])
    expect(got.map((g) => [g.code, g.requestId, g.payload.length])).toEqual([
      [CODE_DATA, 1, 64],
      [CODE_DATA, 2, 0],
      [CODE_DATA, 3, 100_000],
    ])
  })
})
