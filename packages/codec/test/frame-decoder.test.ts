import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  ChecksumMismatchError,
  type CodecError,
  DEFAULT_MAX_MESSAGE_SIZE,
  encodeFrame,
  type Frame,
  FrameDecoder,
  type FrameDecoderInit,
  FrameTooLargeError,
  HEADER_SIZE,
  MessageType,
  MessageTypeRegistry,
  UnknownMessageTypeError,
} from '../src/index.js'
import { flip, ownBuffers, splitAt, toHex } from './helpers.js'

interface Plain {
  code: number
  requestId: number
  timestamp: number
  payload: string
}

const plain = (f: Frame): Plain => ({
  code: f.code,
  requestId: f.requestId,
  timestamp: f.timestamp,
  payload: toHex(f.payload),
})

/** A decoder that records frames (as plain values) and errors. */
function recorder(init: Omit<FrameDecoderInit, 'onFrame' | 'onError'> = {}) {
  const frames: Plain[] = []
  const errors: CodecError[] = []
  const decoder = new FrameDecoder({
    ...init,
    onFrame: (f) => frames.push(plain(f)),
    onError: (e) => errors.push(e),
  })
  return { decoder, frames, errors }
}

const frameArb = fc.record({
  code: fc.integer({ min: 0, max: 0xffff }),
  payload: fc.uint8Array({ maxLength: 300 }),
  requestId: fc.integer({ min: 0, max: 0xffffffff }),
  timestamp: fc.maxSafeNat(),
})

type Init = { code: number; payload: Uint8Array; requestId: number; timestamp: number }
const expectedOf = (i: Init): Plain => ({
  code: i.code,
  requestId: i.requestId,
  timestamp: i.timestamp,
  payload: toHex(i.payload),
})

function frame(code: number, payload: Uint8Array | string, requestId = 1, timestamp = 1_700_000_000_000) {
  const p = typeof payload === 'string' ? new Uint8Array(Buffer.from(payload)) : payload
  return encodeFrame({ code, payload: p, requestId, timestamp })
}

/** A header alone declaring `size` payload bytes. */
function headerDeclaring(size: number, code = 200): Uint8Array {
  const h = new Uint8Array(HEADER_SIZE)
  const v = new DataView(h.buffer)
  v.setUint16(0, code)
  v.setUint32(2, size)
  return h
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('FrameDecoder: chunking', () => {
  it('yields the same frames in order for any chunking of any stream of valid frames', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 12 }),
        fc.array(fc.nat({ max: 4000 }), { maxLength: 40 }),
        fc.boolean(),
        (inits, cuts, copy) => {
          const stream = Buffer.concat(inits.map((i) => encodeFrame(i)))
          const chunks = splitAt(stream, cuts)
          const { decoder, frames, errors } = recorder()
          for (const c of copy ? ownBuffers(chunks) : chunks) expect(decoder.push(c)).toBe(true)
          expect(errors).toEqual([])
          expect(frames).toEqual(inits.map(expectedOf))
          expect(decoder.bufferedBytes).toBe(0)
          expect(decoder.stats.frames).toBe(inits.length)
          expect(decoder.stats.bytes).toBe(stream.length)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('decodes a stream fed one byte at a time', () => {
    const inits = [
      { code: 200, payload: new Uint8Array(Buffer.from('hello')), requestId: 7, timestamp: 1 },
      { code: 0, payload: new Uint8Array(0), requestId: 8, timestamp: 2 },
      { code: 65535, payload: new Uint8Array(100).fill(0xab), requestId: 9, timestamp: 3 },
    ]
    const stream = Buffer.concat(inits.map((i) => encodeFrame(i)))
    const { decoder, frames } = recorder()
    for (let i = 0; i < stream.length; i++) {
      decoder.push(stream.subarray(i, i + 1))
      expect(decoder.bufferedBytes).toBeLessThan(HEADER_SIZE + 100)
    }
    expect(frames).toEqual(inits.map(expectedOf))
  })

  it('decodes many frames from one chunk, each payload a view into that chunk', () => {
    const inits = Array.from({ length: 500 }, (_, i) => ({
      code: 200 + (i % 3),
      payload: new Uint8Array(1 + (i % 40)).fill(i & 0xff),
      requestId: i,
      timestamp: i,
    }))
    const chunk = Buffer.concat(inits.map((i) => encodeFrame(i)))
    const concat = vi.spyOn(Buffer, 'concat')
    const got: Frame[] = []
    const decoder = new FrameDecoder({ onFrame: (f) => got.push(f) })
    decoder.push(chunk)
    expect(concat).not.toHaveBeenCalled()
    expect(got.map(plain)).toEqual(inits.map(expectedOf))
    for (const f of got) expect(f.payload.buffer).toBe(chunk.buffer)
  })

  it('a payload inside one chunk shares its ArrayBuffer with the chunk (zero-copy)', () => {
    const bytes = frame(200, 'inside one chunk')
    // header in a first chunk, the whole payload in a second one
    const chunks = ownBuffers([bytes.subarray(0, HEADER_SIZE), bytes.subarray(HEADER_SIZE)])
    const got: Frame[] = []
    const decoder = new FrameDecoder({ onFrame: (f) => got.push(f) })
    for (const c of chunks) decoder.push(c)
    expect(got).toHaveLength(1)
    // the frame spans two chunks, but its payload lies inside the second one
    expect(got[0]!.payload.buffer).toBe(chunks[1]!.buffer)
    expect(Buffer.from(got[0]!.payload).toString()).toBe('inside one chunk')

    const whole = frame(201, 'whole frame in one chunk')
    const single = ownBuffers([whole])[0]!
    decoder.push(single)
    expect(got).toHaveLength(2)
    expect(got[1]!.payload.buffer).toBe(single.buffer)
    expect(got[1]!.payload.byteOffset).toBe(single.byteOffset + HEADER_SIZE)
    expect(Buffer.from(got[1]!.payload).toString()).toBe('whole frame in one chunk')
  })

  it('a payload inside one chunk is a view also when the header was split over the chunk before', () => {
    const bytes = frame(200, 'header split')
    const chunks = ownBuffers([bytes.subarray(0, 10), bytes.subarray(10)])
    const got: Frame[] = []
    const decoder = new FrameDecoder({ onFrame: (f) => got.push(f) })
    for (const c of chunks) decoder.push(c)
    expect(got[0]!.payload.buffer).toBe(chunks[1]!.buffer)
    expect(Buffer.from(got[0]!.payload).toString()).toBe('header split')
  })

  it('a payload split across chunks is copied once into its own buffer, correctly', () => {
    const bytes = frame(200, 'split across three chunks')
    const chunks = ownBuffers(splitAt(bytes, [10, 30, 40]))
    const got: Frame[] = []
    const decoder = new FrameDecoder({ onFrame: (f) => got.push(f) })
    for (const c of chunks) decoder.push(c)
    expect(got).toHaveLength(1)
    for (const c of chunks) expect(got[0]!.payload.buffer).not.toBe(c.buffer)
    expect(Buffer.from(got[0]!.payload).toString()).toBe('split across three chunks')
  })

  it('keeps working across thousands of small chunks followed by frames sharing a chunk', () => {
    const a = frame(200, new Uint8Array(3000).fill(1), 1)
    const b = frame(201, new Uint8Array(50).fill(2), 2)
    const c = frame(202, 'c', 3)
    const { decoder, frames } = recorder()
    for (let i = 0; i < a.length - 5; i++) decoder.push(a.subarray(i, i + 1))
    decoder.push(Buffer.concat([a.subarray(a.length - 5), b.subarray(0, 30)]))
    expect(frames.map((f) => f.requestId)).toEqual([1])
    decoder.push(Buffer.concat([b.subarray(30), c]))
    expect(frames.map((f) => f.requestId)).toEqual([1, 2, 3])
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('ignores empty chunks', () => {
    const { decoder, frames } = recorder()
    expect(decoder.push(new Uint8Array(0))).toBe(true)
    const bytes = frame(200, 'x')
    decoder.push(bytes.subarray(0, 5))
    decoder.push(new Uint8Array(0))
    decoder.push(bytes.subarray(5))
    expect(frames).toHaveLength(1)
  })
})

describe('FrameDecoder: bad CRC and unknown codes are reported and skipped', () => {
  it('skips a frame with a bad checksum and decodes the next one', () => {
    const bad = frame(200, 'corrupted', 1)
    flip(bad, HEADER_SIZE + 2, 0xff)
    const good = frame(200, 'fine', 2)
    const { decoder, frames, errors } = recorder()
    expect(decoder.push(Buffer.concat([bad, good]))).toBe(true)
    expect(frames.map((f) => f.requestId)).toEqual([2])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(ChecksumMismatchError)
    expect((errors[0] as ChecksumMismatchError).requestId).toBe(1)
    expect(errors[0]!.fatal).toBe(false)
    expect(decoder.stats.checksumErrors).toBe(1)
    expect(decoder.error).toBeUndefined()
  })

  it('skips a frame whose code is not in the registry in use, and no other', () => {
    const registry = new MessageTypeRegistry()
    registry.register(new MessageType(200, 'chat'))
    const { decoder, frames, errors } = recorder({ registry })
    decoder.push(Buffer.concat([frame(200, 'a', 1), frame(300, 'b', 2), frame(0, '', 3), frame(200, 'c', 4)]))
    expect(frames.map((f) => f.requestId)).toEqual([1, 3, 4])
    expect(errors).toHaveLength(1)
    const e = errors[0] as UnknownMessageTypeError
    expect(e).toBeInstanceOf(UnknownMessageTypeError)
    expect([e.messageCode, e.size, e.requestId]).toEqual([300, 1, 2])
    expect(decoder.stats.unknownTypes).toBe(1)
  })

  it('the registry is read at decode time (a type registered later is accepted)', () => {
    const registry = new MessageTypeRegistry()
    const { decoder, frames, errors } = recorder({ registry })
    decoder.push(frame(400, 'x', 1))
    registry.register(new MessageType(400, 'late'))
    decoder.push(frame(400, 'y', 2))
    expect(frames.map((f) => f.requestId)).toEqual([2])
    expect(errors.map((e) => e.name)).toEqual(['UnknownMessageTypeError'])
  })

  it('without a registry every code is accepted', () => {
    const { decoder, frames } = recorder()
    decoder.push(frame(12345, 'x'))
    expect(frames.map((f) => f.code)).toEqual([12345])
  })

  it('for any chunking, a mix of good, corrupted and unknown frames loses only the bad ones, in order', () => {
    const registry = new MessageTypeRegistry([new MessageType(200, 'chat'), new MessageType(201, 'echo')])
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.constantFrom('good', 'crc', 'unknown'),
            code: fc.constantFrom(200, 201),
            payload: fc.uint8Array({ minLength: 1, maxLength: 100 }),
            flip: fc.nat(),
          }),
          { maxLength: 10 },
        ),
        fc.array(fc.nat({ max: 1400 }), { maxLength: 20 }),
        (items, cuts) => {
          const parts = items.map((it, n) => {
            const bytes = frame(it.kind === 'unknown' ? 999 : it.code, it.payload, n)
            if (it.kind === 'crc')
              flip(bytes, HEADER_SIZE + (it.flip % it.payload.length), 1 << (it.flip % 8))
            return bytes
          })
          const { decoder, frames, errors } = recorder({ registry })
          for (const c of splitAt(Buffer.concat(parts), cuts)) decoder.push(c)
          expect(frames.map((f) => f.requestId)).toEqual(
            items.flatMap((it, n) => (it.kind === 'good' ? [n] : [])),
          )
          expect(errors.map((e) => e.name)).toEqual(
            items.flatMap((it) =>
              it.kind === 'crc'
                ? ['ChecksumMismatchError']
                : it.kind === 'unknown'
                  ? ['UnknownMessageTypeError']
                  : [],
            ),
          )
          expect(decoder.bufferedBytes).toBe(0)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('without onError, non-fatal errors are only counted', () => {
    const bad = frame(200, 'x', 1)
    flip(bad, HEADER_SIZE, 1)
    const got: Frame[] = []
    const decoder = new FrameDecoder({ onFrame: (f) => got.push(f) })
    expect(decoder.push(Buffer.concat([bad, frame(200, 'y', 2)]))).toBe(true)
    expect(got.map((f) => f.requestId)).toEqual([2])
    expect(decoder.stats.checksumErrors).toBe(1)
  })
})

describe('FrameDecoder: size limit', () => {
  it('a header declaring 4 GiB is fatal at once, nothing buffered, further input refused', () => {
    const { decoder, frames, errors } = recorder()
    expect(decoder.push(headerDeclaring(0xffffffff))).toBe(false)
    expect(errors).toHaveLength(1)
    const e = errors[0] as FrameTooLargeError
    expect(e).toBeInstanceOf(FrameTooLargeError)
    expect(e.fatal).toBe(true)
    expect([e.messageCode, e.frameSize, e.limit]).toEqual([
      200,
      HEADER_SIZE + 0xffffffff,
      DEFAULT_MAX_MESSAGE_SIZE,
    ])
    expect(decoder.bufferedBytes).toBe(0)
    expect(decoder.error).toBe(e)
    expect(decoder.push(frame(200, 'later'))).toBe(false)
    expect(decoder.bufferedBytes).toBe(0)
    expect(frames).toEqual([])
    expect(errors).toHaveLength(1)
  })

  it('detects the oversized size field when the header itself arrives in pieces', () => {
    const { decoder, errors } = recorder({ maxMessageSize: 1000 })
    const h = headerDeclaring(5000)
    expect(decoder.push(h.subarray(0, 3))).toBe(true)
    expect(decoder.push(h.subarray(3, 21))).toBe(true)
    expect(errors).toEqual([])
    expect(decoder.push(h.subarray(21))).toBe(false)
    expect(errors.map((e) => e.name)).toEqual(['FrameTooLargeError'])
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('delivers the frames before an oversized one, then stops', () => {
    const { decoder, frames, errors } = recorder({ maxMessageSize: 100 })
    expect(decoder.push(Buffer.concat([frame(200, 'a', 1), headerDeclaring(79), frame(200, 'b', 2)]))).toBe(
      false,
    )
    expect(frames.map((f) => f.requestId)).toEqual([1])
    expect(errors.map((e) => e.name)).toEqual(['FrameTooLargeError'])
  })

  it('accepts a frame of exactly the default 10 MiB total and refuses one byte more', () => {
    const max = new Uint8Array(DEFAULT_MAX_MESSAGE_SIZE - HEADER_SIZE).fill(0x5a)
    const ok = recorder()
    const bytes = frame(200, max)
    for (let i = 0; i < bytes.length; i += 65536) ok.decoder.push(bytes.subarray(i, i + 65536))
    expect(ok.errors).toEqual([])
    expect(ok.frames).toHaveLength(1)
    expect(ok.frames[0]!.payload.length).toBe(max.length * 2)

    const over = recorder()
    expect(over.decoder.push(headerDeclaring(DEFAULT_MAX_MESSAGE_SIZE - HEADER_SIZE + 1))).toBe(false)
    expect(over.errors[0]).toBeInstanceOf(FrameTooLargeError)
  })

  it('maxMessageSize is configurable in both directions, with no hidden cap', () => {
    const small = recorder({ maxMessageSize: HEADER_SIZE + 4 })
    small.decoder.push(frame(200, 'abcd'))
    expect(small.frames).toHaveLength(1)
    small.decoder.push(frame(200, 'abcde'))
    expect(small.errors.map((e) => e.name)).toEqual(['FrameTooLargeError'])

    const big = recorder({ maxMessageSize: 64 * 1024 * 1024 })
    expect(big.decoder.push(headerDeclaring(DEFAULT_MAX_MESSAGE_SIZE))).toBe(true)
    expect(big.decoder.bufferedBytes).toBe(HEADER_SIZE)
    expect(big.errors).toEqual([])
  })

  it('never holds more than maxMessageSize bytes between pushes', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 8 }), fc.array(fc.nat({ max: 3000 })), (inits, cuts) => {
        const limit = 200
        const { decoder } = recorder({ maxMessageSize: limit })
        for (const c of splitAt(Buffer.concat(inits.map((i) => encodeFrame(i))), cuts)) {
          decoder.push(c)
          expect(decoder.bufferedBytes).toBeLessThan(limit)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('without onError a fatal error is thrown from push, and the decoder stays stopped', () => {
    const decoder = new FrameDecoder({ onFrame: () => {}, maxMessageSize: 100 })
    expect(() => decoder.push(headerDeclaring(1000))).toThrow(FrameTooLargeError)
    expect(decoder.push(frame(200, 'x'))).toBe(false)
  })

  it('reset() clears a fatal error and starts afresh', () => {
    const { decoder, frames } = recorder({ maxMessageSize: 100 })
    decoder.push(headerDeclaring(1000))
    expect(decoder.error).toBeInstanceOf(FrameTooLargeError)
    decoder.reset()
    expect(decoder.error).toBeUndefined()
    expect(decoder.push(frame(200, 'again'))).toBe(true)
    expect(frames).toHaveLength(1)
  })

  it('refuses a maxMessageSize below the header size', () => {
    expect(() => new FrameDecoder({ onFrame: () => {}, maxMessageSize: 10 })).toThrow(RangeError)
    expect(() => new FrameDecoder({ onFrame: () => {}, maxMessageSize: Number.NaN })).toThrow(RangeError)
  })
})

describe('FrameDecoder: callbacks', () => {
  it('an exception from onFrame propagates; the frames after it come out on the next push', () => {
    const seen: number[] = []
    const decoder = new FrameDecoder({
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
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('reset() from inside onFrame drops the rest of the buffer', () => {
    const seen: number[] = []
    const decoder: FrameDecoder = new FrameDecoder({
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
