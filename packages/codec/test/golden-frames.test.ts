import { describe, expect, it } from 'vitest'
import {
  crc32,
  decodeFrame,
  decodeHelloPayload,
  encodeFrame,
  type Frame,
  FrameDecoder,
  HEADER_SIZE,
  MessageType,
  MessageTypeRegistry,
  Request,
  requestIdFromBytes,
  SYSTEM_TYPES,
} from '../src/index.js'
import { fromHex, golden, goldenFrame, toHex } from './helpers.js'

describe('golden frames from Python Veltix 1.6.3', () => {
  it('has the frames the protocol spec promises', () => {
    expect(golden.frames.length).toBeGreaterThanOrEqual(9)
    expect(golden.stream.frames.length).toBeGreaterThan(1)
  })

  for (const g of golden.frames) {
    describe(g.name, () => {
      const payload = fromHex(g.payloadHex)
      const requestId = fromHex(g.requestId)

      it('encodes byte-identically', () => {
        const bytes = encodeFrame({ code: g.code, payload, requestId, timestamp: g.timestampMs })
        expect(toHex(bytes)).toBe(g.frameHex)
        expect(bytes.length).toBe(HEADER_SIZE + g.size)
      })

      it('encodes byte-identically with the request id given as a u32', () => {
        const bytes = encodeFrame({
          code: g.code,
          payload,
          requestId: requestIdFromBytes(requestId),
          timestamp: g.timestampMs,
        })
        expect(toHex(bytes)).toBe(g.frameHex)
      })

      it('compiles byte-identically through Request', () => {
        const type = SYSTEM_TYPES.find((t) => t.code === g.code)
        const req = new Request(type ?? new MessageType(g.code, g.name), payload, { requestId })
        expect(toHex(req.compile(g.timestampMs))).toBe(g.frameHex)
      })

      it('checksums the payload as the reference', () => {
        expect(crc32(payload).toString(16).padStart(8, '0')).toBe(g.crc32)
      })

      it('decodes back to the same fields', () => {
        const f = decodeFrame(fromHex(g.frameHex))
        expect(f.code).toBe(g.code)
        expect(f.timestamp).toBe(g.timestampMs)
        expect(f.requestId).toBe(requestIdFromBytes(requestId))
        expect(toHex(f.payload)).toBe(g.payloadHex)
      })
    })
  }

  it('decodes the concatenated stream into the listed frames, in order, with the default registry', () => {
    const stream = fromHex(golden.stream.hex)
    const expected = golden.stream.frames.map(goldenFrame)
    // The default registry only knows the system types; the stream holds application codes.
    const registry = new MessageTypeRegistry()
    for (const g of expected) {
      if (!registry.has(g.code)) registry.register(new MessageType(g.code, g.name))
    }
    for (const chunkSize of [1, 2, 7, 22, 23, stream.length]) {
      const frames: Frame[] = []
      const decoder = new FrameDecoder({
        onFrame: (f) => frames.push({ ...f, payload: f.payload.slice() }),
        onError: (e) => {
          throw e
        },
        registry,
      })
      for (let i = 0; i < stream.length; i += chunkSize) decoder.push(stream.subarray(i, i + chunkSize))
      expect(decoder.bufferedBytes).toBe(0)
      expect(frames.map((f) => [f.code, f.requestId, f.timestamp, toHex(f.payload)])).toEqual(
        expected.map((g) => [g.code, requestIdFromBytes(fromHex(g.requestId)), g.timestampMs, g.payloadHex]),
      )
    }
  })

  it('encoding each listed frame and concatenating gives the stream bytes', () => {
    const parts = golden.stream.frames.map(goldenFrame).map((g) =>
      encodeFrame({
        code: g.code,
        payload: fromHex(g.payloadHex),
        requestId: fromHex(g.requestId),
        timestamp: g.timestampMs,
      }),
    )
    expect(Buffer.concat(parts).toString('hex')).toBe(golden.stream.hex)
  })

  it('the golden HELLO carries version 1.6.3 and no capability block', () => {
    const hello = decodeFrame(fromHex(goldenFrame('hello').frameHex))
    expect(decodeHelloPayload(hello.payload)).toEqual({ version: '1.6.3', capabilities: null })
  })
})
