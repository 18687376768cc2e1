import * as zlib from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32, crc32Table, nativeCrc32 } from '../src/crc32.js'

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
