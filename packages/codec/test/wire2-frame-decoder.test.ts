import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BadMagicError,
  ChecksumMismatchError,
  CodecError,
  DEFAULT_MAX_MESSAGE_SIZE,
  encodeWire2Frame,
  FrameTooLargeError,
  MessageType,
  MessageTypeRegistry,
  type UnknownMessageTypeError,
  WIRE2_HEADER_SIZE,
  type Wire2Frame,
  Wire2FrameDecoder,
  type Wire2FrameDecoderInit,
} from '../src/index.js'
import { flip, fromHex, ownBuffers, splitAt, toHex } from './helpers.js'
import { golden2 } from './wire2-helpers.js'

const H = WIRE2_HEADER_SIZE
const plain = (f: Wire2Frame) => ({ code: f.code, requestId: f.requestId, payload: toHex(f.payload) })

function recorder(init: Omit<Wire2FrameDecoderInit, 'onFrame' | 'onError'> = {}) {
  const frames: ReturnType<typeof plain>[] = []
  const errors: CodecError[] = []
  const decoder = new Wire2FrameDecoder({
    ...init,
    onFrame: (f) => frames.push(plain(f)),
    onError: (e) => errors.push(e),
  })
  return { decoder, frames, errors }
}

function frame(code: number, payload: Uint8Array | string, requestId = 1) {
  const p = typeof payload === 'string' ? new Uint8Array(Buffer.from(payload)) : payload
  return encodeWire2Frame({ code, payload: p, requestId })
}

/** A 2.x header alone declaring `size` payload bytes. */
function headerDeclaring(size: number, code = 200): Uint8Array {
  const h = new Uint8Array(H)
  const v = new DataView(h.buffer)
  h[0] = 0x56
  h[1] = 0x58
  v.setUint16(3, code)
  v.setUint32(5, size)
  return h
}

const frameArb = fc.record({
  code: fc.integer({ min: 0, max: 0xffff }),
  payload: fc.uint8Array({ maxLength: 300 }),
  requestId: fc.integer({ min: 0, max: 0xffff }),
})
const expectedOf = (i: { code: number; payload: Uint8Array; requestId: number }) => ({
  code: i.code,
  requestId: i.requestId,
  payload: toHex(i.payload),
})

describe('Wire2FrameDecoder: chunking', () => {
  it('yields the same frames in order for any chunking of any stream of valid frames', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 10 }), fc.array(fc.nat({ max: 4000 })), (inits, cuts) => {
        const { decoder, frames, errors } = recorder()
        const bytes = Buffer.concat(inits.map((i) => encodeWire2Frame(i)))
        for (const c of ownBuffers(splitAt(bytes, cuts))) expect(decoder.push(c)).toBe(true)
        expect(errors).toEqual([])
        expect(frames).toEqual(inits.map(expectedOf))
        expect(decoder.bufferedBytes).toBe(0)
      }),
      { numRuns: 300 },
    )
  })

  it('decodes the live transcript, each direction fed one byte at a time', () => {
    for (const dir of [golden2.transcript.clientToServer, golden2.transcript.serverToClient]) {
      const frameUnits = dir.units.filter((u) => u.kind === 'frame')
      const bytes = fromHex(frameUnits.map((u) => u.frameHex).join(''))
      const { decoder, frames, errors } = recorder()
      for (let i = 0; i < bytes.length; i++) decoder.push(bytes.subarray(i, i + 1))
      expect(errors).toEqual([])
      expect(frames.length).toBe(frameUnits.length)
    }
  })

  it('a payload inside one chunk is a zero-copy view; one split across chunks is copied once', () => {
    const got: Wire2Frame[] = []
    const decoder = new Wire2FrameDecoder({ onFrame: (f) => got.push(f) })
    const bytes = Buffer.concat([frame(200, 'first'), frame(201, 'second', 2)])
    decoder.push(bytes)
    expect(got[0]!.payload.buffer).toBe(bytes.buffer)
    const split = frame(200, 'split-payload', 3)
    decoder.push(split.subarray(0, H + 4))
    decoder.push(split.subarray(H + 4))
    expect(Buffer.from(got[2]!.payload).toString()).toBe('split-payload')
    expect(got[2]!.payload.buffer).not.toBe(split.buffer)
  })

  it('ignores empty chunks and keeps working across thousands of small chunks', () => {
    const { decoder, frames } = recorder()
    const bytes = Buffer.concat(Array.from({ length: 500 }, (_, i) => frame(200, `m${i}`, i)))
    decoder.push(new Uint8Array(0))
    for (let i = 0; i < bytes.length; i += 3) decoder.push(bytes.subarray(i, i + 3))
    expect(frames.map((f) => f.requestId)).toEqual(Array.from({ length: 500 }, (_, i) => i))
  })
})

describe('Wire2FrameDecoder: bad CRC and unknown codes are reported and skipped by their size', () => {
  it('skips a frame with a bad checksum and decodes the next one', () => {
    const bad = frame(200, 'corrupt', 8)
    flip(bad, H + 1, 0x40)
    const { decoder, frames, errors } = recorder()
    expect(decoder.push(Buffer.concat([bad, frame(200, 'after', 9)]))).toBe(true)
    expect(frames.map((f) => f.requestId)).toEqual([9])
    expect(errors[0]).toBeInstanceOf(ChecksumMismatchError)
    expect((errors[0] as ChecksumMismatchError).requestId).toBe(8)
    expect(decoder.stats.checksumErrors).toBe(1)
  })

  it("a frame smuggled inside an unknown frame's payload is NOT delivered (the reference delivers it)", () => {
    const v = golden2.buffer.find((b) => b.name === 'unknown-code-with-frame-in-payload')!
    const registry = new MessageTypeRegistry()
    registry.register(new MessageType(200, 'chat'))
    const { decoder, frames, errors } = recorder({ registry })
    expect(decoder.push(fromHex(v.inputHex))).toBe(true)
    // 2.0.0rc1 delivered [7 'smuggled', 9 'after']; we skip the 4242 frame whole.
    expect(v.delivered.map((d) => d.requestId)).toEqual([7, 9])
    expect(frames).toEqual([{ code: 200, requestId: 9, payload: '6166746572' }])
    expect(errors.map((e) => e.name)).toEqual(['UnknownMessageTypeError'])
    expect((errors[0] as UnknownMessageTypeError).messageCode).toBe(4242)
  })

  it("replays the reference's damaged streams: what it skips we skip or refuse, never deliver garbage", () => {
    const registry = new MessageTypeRegistry()
    registry.register(new MessageType(200, 'chat'))
    const outcome: Record<string, { frames: number[]; errors: string[] }> = {}
    for (const b of golden2.buffer) {
      const { decoder, frames, errors } = recorder({ registry })
      decoder.push(fromHex(b.inputHex))
      outcome[b.name] = { frames: frames.map((f) => f.requestId), errors: errors.map((e) => e.name) }
    }
    expect(outcome).toEqual({
      'bad-crc-then-good': { frames: [9], errors: ['ChecksumMismatchError'] },
      'unknown-code-then-good': { frames: [9], errors: ['UnknownMessageTypeError'] },
      'unknown-code-with-frame-in-payload': { frames: [9], errors: ['UnknownMessageTypeError'] },
      'garbage-then-good': { frames: [], errors: ['BadMagicError'] },
      'oversized-size-field-then-good': { frames: [], errors: ['FrameTooLargeError'] },
    })
  })

  it('for any chunking, a mix of good, corrupted and unknown frames loses only the bad ones, in order', () => {
    const registry = new MessageTypeRegistry()
    registry.register(new MessageType(200, 'chat'))
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.constantFrom('good', 'crc', 'unknown'),
            payload: fc.uint8Array({ minLength: 1, maxLength: 50 }),
          }),
          { maxLength: 12 },
        ),
        fc.array(fc.nat({ max: 1000 })),
        (parts, cuts) => {
          const encoded = parts.map((p, i) => {
            const f = frame(p.kind === 'unknown' ? 4242 : 200, p.payload, i)
            if (p.kind === 'crc') flip(f, H, 0x01)
            return f
          })
          const { decoder, frames, errors } = recorder({ registry })
          for (const c of splitAt(Buffer.concat(encoded), cuts)) decoder.push(c)
          expect(frames.map((f) => f.requestId)).toEqual(
            parts.flatMap((p, i) => (p.kind === 'good' ? [i] : [])),
          )
          expect(errors.length).toBe(parts.filter((p) => p.kind !== 'good').length)
          expect(errors.every((e) => !e.fatal)).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('without onError, non-fatal errors are only counted', () => {
    const bad = frame(200, 'x', 1)
    flip(bad, H, 1)
    const got: Wire2Frame[] = []
    const decoder = new Wire2FrameDecoder({ onFrame: (f) => got.push(f) })
    expect(decoder.push(Buffer.concat([bad, frame(200, 'y', 2)]))).toBe(true)
    expect(got.map((f) => f.requestId)).toEqual([2])
    expect(decoder.stats.checksumErrors).toBe(1)
  })
})

describe('Wire2FrameDecoder: bad magic is fatal, never a resync', () => {
  it('a wrong first byte fails at once, before a whole header has arrived', () => {
    const { decoder, errors } = recorder()
    expect(decoder.push(new Uint8Array([0x00]))).toBe(false)
    expect(errors[0]).toBeInstanceOf(BadMagicError)
    expect((errors[0] as BadMagicError).code).toBe('VELTIX_ERR_BAD_MAGIC')
    expect(decoder.bufferedBytes).toBe(0)
    expect(decoder.push(frame(200, 'later'))).toBe(false)
  })

  it('a wrong second byte split over chunks is found when it arrives', () => {
    const { decoder, errors } = recorder()
    expect(decoder.push(new Uint8Array([0x56]))).toBe(true)
    expect(decoder.push(new Uint8Array([0x00, 0, 0]))).toBe(false)
    expect((errors[0] as BadMagicError).found).toBe(0x5600)
  })

  it('a 1.6.3 HELLO frame on a 2.x stream is refused at its first byte', () => {
    const { decoder, errors } = recorder()
    decoder.push(fromHex('000a00000007000000000000000000000000000000000005312e362e33'))
    expect(errors.map((e) => e.name)).toEqual(['BadMagicError'])
  })

  it('delivers the frames before a bad magic, then stops', () => {
    const { decoder, frames, errors } = recorder()
    const bytes = Buffer.concat([frame(200, 'a', 1), fromHex('0001676172626167'), frame(200, 'b', 2)])
    expect(decoder.push(bytes)).toBe(false)
    expect(frames.map((f) => f.requestId)).toEqual([1])
    expect(errors.map((e) => e.name)).toEqual(['BadMagicError'])
  })
})

describe('Wire2FrameDecoder: size limit', () => {
  it('a header declaring 4 GiB is fatal at once, nothing buffered, further input refused', () => {
    const { decoder, frames, errors } = recorder()
    expect(decoder.push(headerDeclaring(0xffffffff))).toBe(false)
    const e = errors[0] as FrameTooLargeError
    expect(e).toBeInstanceOf(FrameTooLargeError)
    expect(e.fatal).toBe(true)
    expect([e.messageCode, e.frameSize, e.limit]).toEqual([200, H + 0xffffffff, DEFAULT_MAX_MESSAGE_SIZE])
    expect(decoder.bufferedBytes).toBe(0)
    expect(decoder.error).toBe(e)
    expect(decoder.push(frame(200, 'later'))).toBe(false)
    expect(frames).toEqual([])
    expect(errors).toHaveLength(1)
  })

  it('detects the oversized size field when the header itself arrives in pieces', () => {
    const { decoder, errors } = recorder({ maxMessageSize: 1000 })
    const h = headerDeclaring(5000)
    expect(decoder.push(h.subarray(0, 3))).toBe(true)
    expect(decoder.push(h.subarray(3, 14))).toBe(true)
    expect(errors).toEqual([])
    expect(decoder.push(h.subarray(14))).toBe(false)
    expect(errors.map((e) => e.name)).toEqual(['FrameTooLargeError'])
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('accepts a frame of exactly the default 10 MiB total and refuses one byte more', () => {
    const max = new Uint8Array(DEFAULT_MAX_MESSAGE_SIZE - H).fill(0x5a)
    const ok = recorder()
    const bytes = frame(200, max)
    for (let i = 0; i < bytes.length; i += 65536) ok.decoder.push(bytes.subarray(i, i + 65536))
    expect(ok.errors).toEqual([])
    expect(ok.frames).toHaveLength(1)
    const over = recorder()
    expect(over.decoder.push(headerDeclaring(DEFAULT_MAX_MESSAGE_SIZE - H + 1))).toBe(false)
    expect(over.errors[0]).toBeInstanceOf(FrameTooLargeError)
  })

  it('maxMessageSize is configurable in both directions, with no hidden cap', () => {
    const small = recorder({ maxMessageSize: H + 4 })
    small.decoder.push(frame(200, 'abcd'))
    expect(small.frames).toHaveLength(1)
    small.decoder.push(frame(200, 'abcde'))
    expect(small.errors.map((e) => e.name)).toEqual(['FrameTooLargeError'])
    const big = recorder({ maxMessageSize: 64 * 1024 * 1024 })
    expect(big.decoder.push(headerDeclaring(DEFAULT_MAX_MESSAGE_SIZE))).toBe(true)
    expect(big.decoder.bufferedBytes).toBe(H)
  })

  it('never holds more than maxMessageSize bytes between pushes', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 8 }), fc.array(fc.nat({ max: 3000 })), (inits, cuts) => {
        const { decoder } = recorder({ maxMessageSize: 200 })
        for (const c of splitAt(Buffer.concat(inits.map((i) => encodeWire2Frame(i))), cuts)) {
          decoder.push(c)
          expect(decoder.bufferedBytes).toBeLessThan(200)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('without onError a fatal error is thrown from push; reset() starts afresh', () => {
    const got: Wire2Frame[] = []
    const decoder = new Wire2FrameDecoder({ onFrame: (f) => got.push(f), maxMessageSize: 100 })
    expect(() => decoder.push(headerDeclaring(1000))).toThrow(FrameTooLargeError)
    expect(decoder.push(frame(200, 'x'))).toBe(false)
    decoder.reset()
    expect(decoder.error).toBeUndefined()
    expect(decoder.push(frame(200, 'again'))).toBe(true)
    expect(got).toHaveLength(1)
  })

  it('refuses a maxMessageSize below the header size', () => {
    expect(() => new Wire2FrameDecoder({ onFrame: () => {}, maxMessageSize: 14 })).toThrow(RangeError)
    expect(() => new Wire2FrameDecoder({ onFrame: () => {}, maxMessageSize: Number.NaN })).toThrow(RangeError)
  })
})

describe('Wire2FrameDecoder: callbacks', () => {
  it('an exception from onFrame propagates; the frames after it come out on the next push', () => {
    const seen: number[] = []
    const decoder = new Wire2FrameDecoder({
      onFrame: (f) => {
        seen.push(f.requestId)
        if (f.requestId === 1) throw new Error('handler bug')
      },
    })
    expect(() =>
      decoder.push(Buffer.concat([frame(200, 'a', 1), frame(200, 'b', 2), frame(200, 'c', 3)])),
    ).toThrow('handler bug')
    expect(seen).toEqual([1])
    expect(decoder.push(new Uint8Array(0))).toBe(true)
    expect(seen).toEqual([1, 2, 3])
  })

  it('reset() from inside onFrame drops the rest of the buffer', () => {
    const seen: number[] = []
    const decoder: Wire2FrameDecoder = new Wire2FrameDecoder({
      onFrame: (f) => {
        seen.push(f.requestId)
        decoder.reset()
      },
    })
    decoder.push(Buffer.concat([frame(200, 'a', 1), frame(200, 'b', 2)]))
    expect(seen).toEqual([1])
    expect(decoder.bufferedBytes).toBe(0)
  })
})

describe('Wire2FrameDecoder: fuzz', () => {
  const mutated = fc
    .tuple(
      fc.array(frameArb, { maxLength: 8 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.option(fc.nat()),
    )
    .map(([inits, flips, truncate]) => {
      let bytes: Uint8Array = Buffer.concat(inits.map((i) => encodeWire2Frame(i)))
      for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value
      if (truncate !== null) bytes = bytes.subarray(0, truncate % (bytes.length + 1))
      return bytes
    })

  it('reports only typed errors, at most one fatal, and keeps buffered memory under the limit', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 4096 }), mutated),
        fc.array(fc.nat({ max: 5000 }), { maxLength: 30 }),
        fc.constantFrom(H, 64, 300, 4096, DEFAULT_MAX_MESSAGE_SIZE),
        (bytes, cuts, limit) => {
          let fatal = 0
          const errors: unknown[] = []
          const decoder = new Wire2FrameDecoder({
            maxMessageSize: limit,
            onFrame: (f) => expect(H + f.payload.length).toBeLessThanOrEqual(limit),
            onError: (e) => {
              errors.push(e)
              if (e.fatal) fatal++
            },
          })
          for (const chunk of splitAt(bytes, cuts)) {
            expect(decoder.push(chunk)).toBe(fatal === 0)
            expect(decoder.bufferedBytes).toBeLessThan(Math.max(limit, H))
          }
          for (const e of errors) expect(e).toBeInstanceOf(CodecError)
          expect(fatal).toBeLessThanOrEqual(1)
        },
      ),
      { numRuns: 1000 },
    )
  })
})
