import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ChecksumMismatchError,
  CodecError,
  DEFAULT_MAX_MESSAGE_SIZE,
  decodeFrame,
  encodeFrame,
  FrameTooLargeError,
  frameLength,
  HEADER_SIZE,
  InvalidMessageTypeError,
  InvalidRequestIdError,
  InvalidTimestampError,
  MalformedFrameError,
  writeFrame,
} from '../src/index.js'
import { flip, fromHex, goldenFrame, toHex } from './helpers.js'

const frameArb = fc.record({
  code: fc.integer({ min: 0, max: 0xffff }),
  payload: fc.uint8Array({ maxLength: 4096 }),
  requestId: fc.integer({ min: 0, max: 0xffffffff }),
  timestamp: fc.maxSafeNat(),
})

describe('encodeFrame / decodeFrame', () => {
  it('any code, payload, id and timestamp round-trips', () => {
    fc.assert(
      fc.property(frameArb, (init) => {
        const bytes = encodeFrame(init)
        expect(bytes.length).toBe(frameLength(init.payload.length))
        const f = decodeFrame(bytes)
        expect(f.code).toBe(init.code)
        expect(f.requestId).toBe(init.requestId)
        expect(f.timestamp).toBe(init.timestamp)
        expect(toHex(f.payload)).toBe(toHex(init.payload))
      }),
      { numRuns: 500 },
    )
  })

  it('writes the header fields big-endian at the documented offsets', () => {
    const bytes = encodeFrame({
      code: 0x1234,
      payload: new Uint8Array([1, 2, 3]),
      requestId: 0xa1b2c3d4,
      timestamp: 0x0102_0304_0506,
    })
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
    expect(v.getUint16(0)).toBe(0x1234)
    expect(v.getUint32(2)).toBe(3)
    expect(v.getBigUint64(10)).toBe(0x0102_0304_0506n)
    expect(v.getUint32(18)).toBe(0xa1b2c3d4)
    expect([...bytes.subarray(HEADER_SIZE)]).toEqual([1, 2, 3])
  })

  it('timestamp defaults to Date.now()', () => {
    const before = Date.now()
    const f = decodeFrame(encodeFrame({ code: 1, payload: new Uint8Array(0), requestId: 1 }))
    expect(f.timestamp).toBeGreaterThanOrEqual(before)
    expect(f.timestamp).toBeLessThanOrEqual(Date.now())
  })

  it('the decoded payload is a view into the given bytes', () => {
    const bytes = encodeFrame({ code: 200, payload: new Uint8Array([9, 8, 7]), requestId: 1, timestamp: 0 })
    const f = decodeFrame(bytes)
    expect(f.payload.buffer).toBe(bytes.buffer)
    expect(f.payload.byteOffset).toBe(bytes.byteOffset + HEADER_SIZE)
  })

  it('rejects codes outside u16 with InvalidMessageTypeError', () => {
    for (const code of [-1, 0x10000, 1.5, Number.NaN]) {
      expect(() => encodeFrame({ code, payload: new Uint8Array(0), requestId: 0 })).toThrow(
        InvalidMessageTypeError,
      )
    }
  })

  it('rejects request ids that are not exactly 4 bytes or a u32 with InvalidRequestIdError', () => {
    for (const requestId of [new Uint8Array(3), new Uint8Array(5), new Uint8Array(0), -1, 2 ** 32, 1.5]) {
      expect(() => encodeFrame({ code: 1, payload: new Uint8Array(0), requestId })).toThrow(
        InvalidRequestIdError,
      )
    }
  })

  it('rejects timestamps that are not a non-negative safe integer with InvalidTimestampError', () => {
    for (const timestamp of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => encodeFrame({ code: 1, payload: new Uint8Array(0), requestId: 1, timestamp })).toThrow(
        InvalidTimestampError,
      )
    }
  })
})

describe('writeFrame', () => {
  it('writes several frames into one buffer, each identical to encodeFrame', () => {
    const inits = [
      { code: 200, payload: new Uint8Array([1]), requestId: 1, timestamp: 5 },
      { code: 0, payload: new Uint8Array(0), requestId: 0xffffffff, timestamp: 0 },
      { code: 65535, payload: new Uint8Array(300).fill(7), requestId: 3, timestamp: 1_700_000_000_000 },
    ]
    const total = inits.reduce((n, i) => n + frameLength(i.payload.length), 0)
    const buf = new Uint8Array(total + 4)
    let o = 2
    for (const i of inits) o = writeFrame(buf, o, i.code, i.requestId, i.payload, i.timestamp)
    expect(o).toBe(total + 2)
    expect(toHex(buf.subarray(2, o))).toBe(Buffer.concat(inits.map((i) => encodeFrame(i))).toString('hex'))
    expect([buf[0], buf[1], buf[o], buf[o + 1]]).toEqual([0, 0, 0, 0])
  })

  it('throws a RangeError, writing nothing, when the frame does not fit', () => {
    const buf = new Uint8Array(HEADER_SIZE + 1)
    expect(() => writeFrame(buf, 1, 200, 1, new Uint8Array(1), 0)).toThrow(RangeError)
    expect(buf.every((b) => b === 0)).toBe(true)
  })

  it('uses a checksum given by the caller', () => {
    const buf = new Uint8Array(HEADER_SIZE + 2)
    writeFrame(buf, 0, 200, 0x01020304, new Uint8Array([0x68, 0x69]), 1_700_000_000_000, 0xd8932aac)
    expect(toHex(buf)).toBe(goldenFrame('chat-hi').frameHex)
  })
})

describe('decodeFrame on bad input', () => {
  const hi = () => fromHex(goldenFrame('chat-hi').frameHex)

  it('a flipped payload bit is a ChecksumMismatchError carrying the fields', () => {
    const bytes = hi()
    flip(bytes, HEADER_SIZE, 0x01)
    const err = (() => {
      try {
        decodeFrame(bytes)
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(ChecksumMismatchError)
    expect(err).toBeInstanceOf(CodecError)
    const e = err as ChecksumMismatchError
    expect(e.name).toBe('ChecksumMismatchError')
    expect(e.fatal).toBe(false)
    expect([e.messageCode, e.size, e.expected, e.requestId]).toEqual([200, 2, 0xd8932aac, 0x01020304])
    expect(e.actual).not.toBe(e.expected)
    expect(e.message).toContain('d8932aac')
  })

  it('a flipped checksum bit is a ChecksumMismatchError', () => {
    const bytes = hi()
    flip(bytes, 9, 0x80)
    expect(() => decodeFrame(bytes)).toThrow(ChecksumMismatchError)
  })

  it('fewer bytes than a header, or than the frame, or more is a MalformedFrameError', () => {
    const bytes = hi()
    for (const b of [new Uint8Array(0), bytes.subarray(0, 21), bytes.subarray(0, 23)]) {
      expect(() => decodeFrame(b)).toThrow(MalformedFrameError)
    }
    const longer = new Uint8Array(bytes.length + 1)
    longer.set(bytes)
    expect(() => decodeFrame(longer)).toThrow(MalformedFrameError)
  })

  it('enforces maxMessageSize on the total frame length: the limit itself is accepted', () => {
    const bytes = encodeFrame({ code: 200, payload: new Uint8Array(10), requestId: 1, timestamp: 0 })
    expect(decodeFrame(bytes, { maxMessageSize: HEADER_SIZE + 10 }).payload.length).toBe(10)
    const err = (() => {
      try {
        decodeFrame(bytes, { maxMessageSize: HEADER_SIZE + 9 })
      } catch (e) {
        return e as FrameTooLargeError
      }
    })()
    expect(err).toBeInstanceOf(FrameTooLargeError)
    expect([err?.messageCode, err?.frameSize, err?.limit, err?.fatal]).toEqual([
      200,
      HEADER_SIZE + 10,
      HEADER_SIZE + 9,
      true,
    ])
  })

  it('checks the size field against the default 10 MiB before looking at the length given', () => {
    const header = new Uint8Array(HEADER_SIZE)
    new DataView(header.buffer).setUint32(2, DEFAULT_MAX_MESSAGE_SIZE - HEADER_SIZE + 1)
    expect(() => decodeFrame(header)).toThrow(FrameTooLargeError)
    new DataView(header.buffer).setUint32(2, DEFAULT_MAX_MESSAGE_SIZE - HEADER_SIZE)
    expect(() => decodeFrame(header)).toThrow(MalformedFrameError)
  })

  it('refuses a maxMessageSize smaller than a header or not a number', () => {
    for (const maxMessageSize of [0, 21, -1, Number.NaN]) {
      expect(() => decodeFrame(hi(), { maxMessageSize })).toThrow(RangeError)
    }
  })
})
