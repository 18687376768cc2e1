import { readFileSync } from 'node:fs'
import * as zlib from 'node:zlib'
import * as node from '@veltix/codec'
import { describe, expect, it } from 'vitest'
import {
  ChecksumMismatchError,
  crc32,
  decodeFrame,
  encodeFrame,
  FrameTooLargeError,
  MalformedFrameError,
  MessageType,
  Request,
  Response,
} from '../../src/browser/index.js'

interface Golden {
  name: string
  code: number
  timestampMs: number
  requestId: string
  payloadHex: string
  frameHex: string
  crc32: string
}
// The codec package's copy of shared/protocol/golden-frames.json (frames made by Python Veltix 1.6.3).
const golden = JSON.parse(
  readFileSync(new URL('../../../codec/test/fixtures/golden-frames.json', import.meta.url), 'utf8'),
).frames as Golden[]
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))

describe('browser codec', () => {
  it('has golden frames to check against', () => {
    expect(golden.length).toBeGreaterThanOrEqual(5)
  })

  for (const g of golden) {
    it(`encodes and decodes the reference's ${g.name} frame byte for byte`, () => {
      const id = Number.parseInt(g.requestId, 16)
      const payload = bytes(g.payloadHex)
      expect(hex(encodeFrame(g.code, id, payload, g.timestampMs))).toBe(g.frameHex)
      expect(crc32(payload).toString(16).padStart(8, '0')).toBe(g.crc32)
      const f = decodeFrame(bytes(g.frameHex))
      expect(f).toEqual({ code: g.code, requestId: id, timestamp: g.timestampMs, payload })
      // A Request compiles to the same bytes as the Node codec's.
      const type = new MessageType(g.code, g.name)
      expect(hex(new Request(type, payload, { requestId: id }).compile(g.timestampMs))).toBe(
        hex(
          new node.Request(new node.MessageType(g.code, g.name), payload, { requestId: id }).compile(
            g.timestampMs,
          ),
        ),
      )
    })
  }

  it('agrees with zlib and the Node codec on random inputs (lengths 0..4096, any timestamp)', () => {
    let seed = 7
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed
    }
    for (let i = 0; i < 100; i++) {
      const payload = new Uint8Array(rnd() % 4097).map(() => rnd() & 0xff)
      const code = rnd() & 0xffff
      const id = (rnd() * 2) >>> 0
      const ts = rnd() * 4096 + (rnd() % 4096)
      expect(crc32(payload)).toBe(zlib.crc32(payload))
      const mine = encodeFrame(code, id, payload, ts)
      expect(hex(mine)).toBe(hex(node.encodeFrame({ code, requestId: id, payload, timestamp: ts })))
      expect(node.decodeFrame(mine)).toEqual({ code, requestId: id, timestamp: ts, payload })
    }
  })

  it('refuses a bad CRC, a frame too large, and a message that is not exactly one frame, typed', () => {
    const good = bytes(golden[0]!.frameHex)
    const badCrc = good.slice()
    badCrc[badCrc.length - 1]! ^= 1
    expect(() => decodeFrame(badCrc)).toThrow(ChecksumMismatchError)
    expect(() => decodeFrame(good, 23)).toThrow(FrameTooLargeError)
    expect(() => decodeFrame(good.subarray(0, 21))).toThrow(MalformedFrameError)
    expect(() => decodeFrame(good.subarray(0, good.length - 1))).toThrow(MalformedFrameError)
    const two = new Uint8Array(good.length * 2)
    two.set(good)
    two.set(good, good.length)
    expect(() => decodeFrame(two)).toThrow(MalformedFrameError)
  })

  it('reads text and JSON from a response and builds replies with the same id', () => {
    const T = new MessageType(200, 'chat')
    const req = new Request(T, { json: { a: 1 } })
    const res = new Response(T, decodeFrame(req.compile()))
    expect(res.json()).toEqual({ a: 1 })
    expect(res.id).toBe(req.id)
    const reply = Request.respond(res, { text: 'héllo' })
    expect(reply.id).toBe(req.id)
    expect(new Response(T, decodeFrame(reply.compile())).text()).toBe('héllo')
  })
})
