import { describe, expect, it } from 'vitest'
import { encodeFrame, type FrameHeader, HEADER_SIZE, readFrameHeader, readPayloadSize } from '../src/index.js'
import { fromHex, golden } from './helpers.js'

describe('readFrameHeader', () => {
  for (const g of golden.frames) {
    it(`reads the golden frame ${g.name}`, () => {
      const bytes = fromHex(g.frameHex)
      expect(readFrameHeader(bytes, 0)).toEqual({
        code: g.code,
        size: g.size,
        checksum: Number.parseInt(g.crc32, 16),
        timestamp: g.timestampMs,
        requestId: Number.parseInt(g.requestId, 16),
      })
      expect(readPayloadSize(bytes, 0)).toBe(g.size)
    })
  }

  it('reads at an offset into a reused object, with u32 fields and a u64 timestamp', () => {
    const frame = encodeFrame({
      code: 0xfffe,
      requestId: 0xffff_fffe,
      payload: new Uint8Array([1, 2, 3]),
      timestamp: Number.MAX_SAFE_INTEGER,
    })
    const buf = new Uint8Array(7 + frame.length)
    buf.set(frame, 7)
    const into: FrameHeader = { code: 0, size: 0, checksum: 0, timestamp: 0, requestId: 0 }
    expect(readFrameHeader(buf, 7, into)).toBe(into)
    expect(into.code).toBe(0xfffe)
    expect(into.size).toBe(3)
    expect(into.requestId).toBe(0xffff_fffe)
    expect(into.timestamp).toBe(Number.MAX_SAFE_INTEGER)
    expect(into.checksum).toBeGreaterThanOrEqual(0)
    expect(readPayloadSize(buf, 7)).toBe(3)
  })

  it('throws RangeError when the header does not fit', () => {
    expect(() => readFrameHeader(new Uint8Array(HEADER_SIZE - 1), 0)).toThrow(RangeError)
    expect(() => readFrameHeader(new Uint8Array(HEADER_SIZE + 4), 5)).toThrow(RangeError)
    expect(() => readFrameHeader(new Uint8Array(HEADER_SIZE), -1)).toThrow(RangeError)
  })
})
