import { describe, expect, it } from 'vitest'
import {
  decodeFrame,
  decodeJson,
  decodeUtf8,
  encodeJson,
  encodeUtf8,
  InvalidRequestIdError,
  MessageType,
  nextRequestId,
  PayloadDecodeError,
  Request,
  Response,
  requestIdFromBytes,
  requestIdHex,
  requestIdToBytes,
  toPayload,
  toRequestId,
} from '../src/index.js'
import { goldenFrame, toHex } from './helpers.js'

const CHAT = new MessageType(200, 'chat')

describe('Request', () => {
  it('takes a string payload as UTF-8', () => {
    const r = new Request(CHAT, 'héllo ✓')
    expect(toHex(r.payload)).toBe(Buffer.from('héllo ✓', 'utf8').toString('hex'))
    expect(r.type).toBe(CHAT)
  })

  it('takes bytes as they are, without a copy', () => {
    const b = new Uint8Array([1, 2, 3])
    expect(new Request(CHAT, b).payload).toBe(b)
    expect(new Request(CHAT).payload.length).toBe(0)
  })

  it('generates a request id when absent, different each time', () => {
    const a = new Request(CHAT, 'x')
    const b = new Request(CHAT, 'x')
    expect(a.generatedId).toBe(true)
    expect(a.requestId.length).toBe(4)
    expect(a.id).not.toBe(b.id)
    expect(requestIdFromBytes(a.requestId)).toBe(a.id)
  })

  it('uses a given 4-byte id, or a u32', () => {
    const r = new Request(CHAT, 'x', { requestId: new Uint8Array([1, 2, 3, 4]) })
    expect(r.generatedId).toBe(false)
    expect(r.id).toBe(0x01020304)
    expect([...r.requestId]).toEqual([1, 2, 3, 4])
    expect(new Request(CHAT, 'x', { requestId: 0xdeadbeef }).id).toBe(0xdeadbeef)
  })

  it('throws InvalidRequestIdError for an id of any other length, never pads it', () => {
    for (const len of [0, 1, 3, 5, 16]) {
      expect(() => new Request(CHAT, 'x', { requestId: new Uint8Array(len) })).toThrow(InvalidRequestIdError)
    }
    for (const n of [-1, 2 ** 32, 0.5])
      expect(() => new Request(CHAT, 'x', { requestId: n })).toThrow(InvalidRequestIdError)
  })

  it('compiles to the reference bytes and to a frame', () => {
    const g = goldenFrame('chat-hi')
    const r = new Request(CHAT, 'hi', { requestId: new Uint8Array([1, 2, 3, 4]) })
    expect(toHex(r.compile(g.timestampMs))).toBe(g.frameHex)
    expect(decodeFrame(r.compile()).requestId).toBe(0x01020304)
    expect(r.toFrame(5)).toEqual({ code: 200, requestId: 0x01020304, timestamp: 5, payload: r.payload })
  })

  it('refuses a payload that is neither bytes nor a string', () => {
    expect(() => new Request(CHAT, 42 as never)).toThrow(TypeError)
  })
})

describe('Response', () => {
  const frame = (payload: Uint8Array) => ({
    code: 200,
    requestId: 0x0a0b0c0d,
    timestamp: 1_700_000_000_000,
    payload,
  })

  it('exposes type, content, timestamp, requestId and receivedAt', () => {
    const payload = new Uint8Array([0x68, 0x69])
    const before = Date.now()
    const r = new Response(CHAT, frame(payload))
    expect(r.type).toBe(CHAT)
    expect(r.content).toBe(payload)
    expect(r.timestamp).toBe(1_700_000_000_000)
    expect(r.id).toBe(0x0a0b0c0d)
    expect([...r.requestId]).toEqual([0x0a, 0x0b, 0x0c, 0x0d])
    expect(r.receivedAt).toBeGreaterThanOrEqual(before)
    expect(new Response(CHAT, frame(payload), 123).receivedAt).toBe(123)
    expect(r.latency).toBeUndefined()
  })

  it('a reply reuses the request id of the response', () => {
    const r = new Response(CHAT, frame(new Uint8Array(0)))
    expect(new Request(r.type, r.content, { requestId: r.requestId }).id).toBe(r.id)
  })

  it('text() decodes UTF-8, keeping a byte-order mark; json() parses', () => {
    expect(new Response(CHAT, frame(encodeUtf8('héllo'))).text()).toBe('héllo')
    expect(new Response(CHAT, frame(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).text()).toBe('\ufeffa')
    expect(new Response(CHAT, frame(encodeJson({ a: [1, 'b'] }))).json()).toEqual({ a: [1, 'b'] })
  })

  it('text() and json() throw PayloadDecodeError on invalid input', () => {
    expect(() => new Response(CHAT, frame(new Uint8Array([0xc3, 0x28]))).text()).toThrow(PayloadDecodeError)
    expect(() => new Response(CHAT, frame(new Uint8Array([0xff]))).json()).toThrow(PayloadDecodeError)
    expect(() => new Response(CHAT, frame(encodeUtf8('{nope'))).json()).toThrow(PayloadDecodeError)
    expect(() => new Response(CHAT, frame(new Uint8Array(0))).json()).toThrow(PayloadDecodeError)
  })
})

describe('payload helpers', () => {
  it('round-trip UTF-8 and JSON', () => {
    expect(decodeUtf8(encodeUtf8('✓ ok'))).toBe('✓ ok')
    expect(decodeJson(encodeJson([1, { x: null }]))).toEqual([1, { x: null }])
    expect(toHex(toPayload('hi'))).toBe('6869')
  })

  it('encodeJson throws PayloadDecodeError on what JSON cannot hold, with the cause', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => encodeJson(cyclic)).toThrow(PayloadDecodeError)
    expect(() => encodeJson(10n)).toThrow(PayloadDecodeError)
    expect(() => encodeJson(undefined)).toThrow(PayloadDecodeError)
    try {
      encodeJson(10n)
    } catch (e) {
      expect((e as Error).cause).toBeInstanceOf(TypeError)
    }
  })
})

describe('request ids', () => {
  it('convert between 4 bytes and a u32, big-endian', () => {
    expect([...requestIdToBytes(0x01020304)]).toEqual([1, 2, 3, 4])
    expect(requestIdFromBytes(new Uint8Array([0xff, 0, 0, 1]))).toBe(0xff000001)
    expect(toRequestId(new Uint8Array([0, 0, 0, 9]))).toBe(9)
    expect(toRequestId(7)).toBe(7)
    expect(requestIdHex(0xbadf00d)).toBe('0badf00d')
    expect(() => requestIdFromBytes(new Uint8Array(2))).toThrow(/got 2 bytes/)
  })

  it('nextRequestId draws u32 values below 2^31 that do not repeat over many draws', () => {
    const seen = new Set<number>()
    for (let i = 0; i < 10_000; i++) {
      const id = nextRequestId()
      expect(id >>> 0).toBe(id)
      expect(id).toBeLessThan(2 ** 31)
      seen.add(id)
    }
    expect(seen.size).toBe(10_000)
  })
})
