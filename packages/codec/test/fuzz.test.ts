import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CodecError,
  decodeCapabilities,
  decodeFrame,
  decodeHelloPayload,
  encodeFrame,
  encodeHelloPayload,
  FrameDecoder,
  HEADER_SIZE,
  InvalidHelloPayloadError,
  MessageTypeRegistry,
} from '../src/index.js'
import { splitAt } from './helpers.js'

// Bounded: a few hundred runs of inputs up to a few KiB each, well under a few seconds in all.
const RUNS = 1000

/** Valid frames, concatenated, then mutated: random byte flips, insertions, truncation. */
const mutatedStream = fc
  .tuple(
    fc.array(
      fc.record({
        code: fc.oneof(fc.constantFrom(0, 1, 10, 200), fc.integer({ min: 0, max: 0xffff })),
        payload: fc.uint8Array({ maxLength: 200 }),
        requestId: fc.integer({ min: 0, max: 0xffffffff }),
        timestamp: fc.maxSafeNat(),
      }),
      { maxLength: 8 },
    ),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    fc.array(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })), { maxLength: 3 }),
    fc.option(fc.nat()),
  )
  .map(([inits, flips, inserts, truncate]) => {
    let bytes: Uint8Array = Buffer.concat(inits.map((i) => encodeFrame(i)))
    for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value
    for (const [at, extra] of inserts) {
      const p = at % (bytes.length + 1)
      bytes = Buffer.concat([bytes.subarray(0, p), extra, bytes.subarray(p)])
    }
    if (truncate !== null) bytes = bytes.subarray(0, truncate % (bytes.length + 1))
    return bytes
  })

const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 4096 }), mutatedStream)

describe('fuzz: random and mutated bytes', () => {
  it('FrameDecoder reports only typed errors and keeps buffered memory under the limit', () => {
    fc.assert(
      fc.property(
        anyBytes,
        fc.array(fc.nat({ max: 5000 }), { maxLength: 30 }),
        fc.constantFrom(HEADER_SIZE, 64, 300, 4096, 10 * 1024 * 1024),
        fc.boolean(),
        (bytes, cuts, limit, withRegistry) => {
          const errors: unknown[] = []
          let fatal = 0
          const decoder = new FrameDecoder({
            maxMessageSize: limit,
            ...(withRegistry ? { registry: new MessageTypeRegistry() } : {}),
            onFrame: (f) => {
              expect(HEADER_SIZE + f.payload.length).toBeLessThanOrEqual(limit)
            },
            onError: (e) => {
              errors.push(e)
              if (e.fatal) fatal++
            },
          })
          for (const chunk of splitAt(bytes, cuts)) {
            const accepted = decoder.push(chunk)
            expect(accepted).toBe(fatal === 0)
            expect(decoder.bufferedBytes).toBeLessThan(Math.max(limit, HEADER_SIZE))
          }
          for (const e of errors) expect(e).toBeInstanceOf(CodecError)
          expect(fatal).toBeLessThanOrEqual(1)
          const { frames, checksumErrors, unknownTypes } = decoder.stats
          expect(frames + checksumErrors + unknownTypes + fatal).toBeLessThanOrEqual(
            Math.floor(bytes.length / HEADER_SIZE),
          )
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('FrameDecoder without onError throws only typed errors', () => {
    fc.assert(
      fc.property(anyBytes, fc.array(fc.nat({ max: 5000 }), { maxLength: 10 }), (bytes, cuts) => {
        const decoder = new FrameDecoder({ onFrame: () => {}, maxMessageSize: 1024 })
        for (const chunk of splitAt(bytes, cuts)) {
          try {
            decoder.push(chunk)
          } catch (e) {
            expect(e).toBeInstanceOf(CodecError)
            expect((e as CodecError).fatal).toBe(true)
          }
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('decodeFrame throws only typed errors', () => {
    fc.assert(
      fc.property(anyBytes, (bytes) => {
        try {
          const f = decodeFrame(bytes, { maxMessageSize: 4096 })
          expect(HEADER_SIZE + f.payload.length).toBe(bytes.length)
        } catch (e) {
          expect(e).toBeInstanceOf(CodecError)
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('decodeHelloPayload and decodeCapabilities throw only InvalidHelloPayloadError', () => {
    const helloish = fc
      .tuple(
        fc.string({ maxLength: 20 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      )
      .map(([version, tail, flips]) => {
        const cap = new Map([['k', tail.subarray(0, 40)]])
        const bytes = new Uint8Array(encodeHelloPayload(version, cap))
        for (const [at, v] of flips) bytes[at % bytes.length] = v
        return bytes
      })
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), helloish), (bytes) => {
        for (const decode of [decodeHelloPayload, decodeCapabilities]) {
          try {
            decode(bytes)
          } catch (e) {
            expect(e).toBeInstanceOf(InvalidHelloPayloadError)
          }
        }
      }),
      { numRuns: RUNS },
    )
  })
})
