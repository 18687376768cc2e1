import * as zlib from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  crc32,
  crc32JsI32,
  crc32Range,
  crc32Table,
  crc32TableI32,
  nativeCrc32,
  wasmCrc32,
  zlibCrc32,
} from '../src/crc32.js'
import { CRC32_WASM } from '../src/crc32-wasm.js'

const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'))

describe('crc32 (IEEE 802.3, as zlib)', () => {
  const vectors: [string, Uint8Array, number][] = [
    ['empty', new Uint8Array(0), 0],
    ['"123456789"', ascii('123456789'), 0xcbf43926],
    ['"a"', ascii('a'), 0xe8b7be43],
    [
      '"The quick brown fox jumps over the lazy dog"',
      ascii('The quick brown fox jumps over the lazy dog'),
      0x414fa339,
    ],
    ['32 zero bytes', new Uint8Array(32), 0x190a55ad],
    ['32 0xff bytes', new Uint8Array(32).fill(0xff), 0xff6cab0b],
  ]

  for (const [name, data, expected] of vectors) {
    it(`crc32 of ${name} is ${expected.toString(16)}`, () => {
      expect(crc32(data)).toBe(expected)
    })
    it(`crc32Table of ${name} is ${expected.toString(16)}`, () => {
      expect(crc32Table(data)).toBe(expected)
    })
  }

  it('uses zlib.crc32 when this Node has it', () => {
    expect(nativeCrc32).toBe(typeof (zlib as { crc32?: unknown }).crc32 === 'function')
  })

  it('returns an unsigned 32-bit integer', () => {
    const v = crc32Table(ascii('123456789'))
    expect(v).toBeGreaterThan(0x7fffffff)
    expect(Number.isInteger(v)).toBe(true)
  })

  it('native and table implementations agree on random data, also when continued from a previous value', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.nat({ max: 2048 }), (data, cutRaw) => {
        const whole = crc32Table(data)
        expect(crc32(data)).toBe(whole)
        const cut = Math.min(cutRaw, data.length)
        const a = data.subarray(0, cut)
        const b = data.subarray(cut)
        expect(crc32Table(b, crc32Table(a))).toBe(whole)
        expect(crc32(b, crc32(a))).toBe(whole)
      }),
      { numRuns: 300 },
    )
  })

  it('agrees with a bit-by-bit reference and with zlib on every length across the native threshold', () => {
    const zlibCrc32 = (zlib as { crc32?: (d: Uint8Array) => number }).crc32
    const data = new Uint8Array(600).map((_, i) => (i * 131 + 7) & 0xff)
    for (let len = 0; len <= 600; len += len < 40 || (len > 240 && len < 270) ? 1 : 17) {
      for (const start of [0, 1, 3]) {
        const view = data.subarray(start, Math.min(data.length, start + len))
        const expected = bitwiseCrc32(view)
        expect(crc32Table(view)).toBe(expected)
        expect(crc32(view)).toBe(expected)
        if (zlibCrc32 !== undefined) expect(zlibCrc32(view)).toBe(expected)
      }
    }
  })

  it('checksums a view, not its whole underlying buffer', () => {
    const big = ascii('xx123456789yy')
    const view = big.subarray(2, 11)
    expect(crc32(view)).toBe(0xcbf43926)
    expect(crc32Table(view)).toBe(0xcbf43926)
  })
})

/** The definition, one bit at a time: an independent reference for both implementations. */
function bitwiseCrc32(data: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of data) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

describe('CRC-32 kernels (WASM, JS slice-by-16, zlib)', () => {
  it('embeds exactly the module scripts/crc32-wasm-gen.mjs produces', async () => {
    // @ts-expect-error: a plain .mjs script without types
    const { WASM } = await import('../scripts/crc32-wasm-gen.mjs')
    expect(Array.from(CRC32_WASM)).toEqual(Array.from(WASM as Uint8Array))
  })

  it('uses the WASM kernel on this Node', () => {
    expect(wasmCrc32).toBe(true)
  })

  it('WASM, JS and zlib agree on every length 0..300 at every offset 0..3, continued or not', () => {
    const buf = new Uint8Array(310)
    let x = 0x12345678
    for (let i = 0; i < buf.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0
      buf[i] = x >>> 24
    }
    for (let off = 0; off < 4; off++) {
      for (let len = 0; len <= 300; len++) {
        const data = buf.subarray(off, off + len)
        const expected = crc32Js(data)
        expect(crc32TableI32(data, 0) >>> 0).toBe(expected)
        expect(crc32JsI32(data, 0) >>> 0).toBe(expected)
        const view = new DataView(buf.buffer)
        expect(crc32Range(buf, view, off, off + len) >>> 0).toBe(expected)
        const cut = len >> 1
        expect(crc32TableI32(data.subarray(cut), crc32TableI32(data.subarray(0, cut), 0)) >>> 0).toBe(
          expected,
        )
        if (zlibCrc32 !== undefined) expect(zlibCrc32(data) >>> 0).toBe(expected)
      }
    }
  })
})

/** Bit-at-a-time reference CRC-32 (no table), the definition. */
function crc32Js(data: Uint8Array): number {
  let c = 0xffffffff
  for (const b of data) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  }
  return (c ^ 0xffffffff) >>> 0
}
