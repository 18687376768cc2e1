import { describe, expect, it } from 'vitest'
import {
  BadMagicError,
  ChecksumMismatchError,
  decodeWire2Frame,
  encodeWire2Frame,
  FrameTooLargeError,
  InvalidMessageTypeError,
  InvalidRequestIdError,
  MalformedFrameError,
  WIRE2_HEADER_SIZE,
  wire2FrameLength,
  writeWire2Frame,
} from '../src/index.js'
import { fromHex, toHex } from './helpers.js'
import { golden2 } from './wire2-helpers.js'

describe('2.x frames: byte-exact against the reference', () => {
  it.each(golden2.frames.map((f) => [f.name, f] as const))('encodes golden frame %s', (_name, f) => {
    const bytes = encodeWire2Frame({
      code: f.code,
      payload: fromHex(f.payloadHex),
      requestId: f.requestId,
      flags: f.flags,
    })
    expect(toHex(bytes)).toBe(f.frameHex)
    expect(bytes.length).toBe(wire2FrameLength(f.size))
  })

  it.each(golden2.frames.map((f) => [f.name, f] as const))('decodes golden frame %s', (_name, f) => {
    const frame = decodeWire2Frame(fromHex(f.frameHex))
    expect([frame.code, frame.flags, frame.requestId, toHex(frame.payload)]).toEqual([
      f.code,
      f.flags,
      f.requestId,
      f.payloadHex,
    ])
  })

  it.each(golden2.vectors3x.vectors.map((v) => [v.name, v] as const))(
    'matches the 3.x parity vector %s',
    (_n, v) => {
      const payload = new Uint8Array(Buffer.from(v.payload, 'utf8'))
      expect(toHex(encodeWire2Frame({ code: v.code, payload, requestId: v.requestId }))).toBe(v.hex)
      const back = decodeWire2Frame(fromHex(v.hex))
      expect(Buffer.from(back.payload).toString('utf8')).toBe(v.payload)
      expect(back.requestId).toBe(v.requestId)
    },
  )

  it('re-encodes every frame of the live transcript byte for byte', () => {
    const units = [...golden2.transcript.clientToServer.units, ...golden2.transcript.serverToClient.units]
    const frames = units.filter((u) => u.kind === 'frame')
    expect(frames.length).toBe(7)
    for (const u of frames) {
      const f = decodeWire2Frame(fromHex(u.frameHex!))
      expect(toHex(encodeWire2Frame(f))).toBe(u.frameHex)
    }
  })

  it('writeWire2Frame puts frames side by side in one buffer', () => {
    const a = new Uint8Array(Buffer.from('ab'))
    const out = new Uint8Array(wire2FrameLength(2) + wire2FrameLength(0))
    const mid = writeWire2Frame(out, 0, 200, 7, a)
    expect(writeWire2Frame(out, mid, 1, 7, new Uint8Array(0))).toBe(out.length)
    expect(decodeWire2Frame(out.subarray(0, mid)).requestId).toBe(7)
    expect(decodeWire2Frame(out.subarray(mid)).code).toBe(1)
  })
})

describe('2.x frames: refusals are typed', () => {
  const ok = fromHex(golden2.frames[0]!.frameHex)

  it('refuses request ids outside u16, codes outside u16 and flags outside u8', () => {
    const p = new Uint8Array(0)
    expect(() => encodeWire2Frame({ code: 200, payload: p, requestId: 0x10000 })).toThrow(
      InvalidRequestIdError,
    )
    expect(() => encodeWire2Frame({ code: 200, payload: p, requestId: -1 })).toThrow(InvalidRequestIdError)
    expect(() => encodeWire2Frame({ code: 200, payload: p, requestId: 1.5 })).toThrow(InvalidRequestIdError)
    expect(() => encodeWire2Frame({ code: 0x10000, payload: p, requestId: 0 })).toThrow(
      InvalidMessageTypeError,
    )
    expect(() => encodeWire2Frame({ code: 200, payload: p, requestId: 0, flags: 256 })).toThrow(RangeError)
    expect(() => writeWire2Frame(new Uint8Array(14), 0, 200, 0, p)).toThrow(RangeError)
  })

  it('a bad magic is BadMagicError (VELTIX_ERR_BAD_MAGIC, fatal)', () => {
    const bad = ok.slice()
    bad[1] = 0x59
    const e = (() => {
      try {
        decodeWire2Frame(bad)
      } catch (err) {
        return err as BadMagicError
      }
    })()
    expect(e).toBeInstanceOf(BadMagicError)
    expect([e!.code, e!.fatal, e!.found, e!.name]).toEqual([
      'VELTIX_ERR_BAD_MAGIC',
      true,
      0x5659,
      'BadMagicError',
    ])
  })

  it('a bad CRC, a wrong length, an oversized size field are each their own error', () => {
    const badCrc = ok.slice()
    badCrc[WIRE2_HEADER_SIZE] = badCrc[WIRE2_HEADER_SIZE]! ^ 1
    expect(() => decodeWire2Frame(badCrc)).toThrow(ChecksumMismatchError)
    expect(() => decodeWire2Frame(ok.subarray(0, 14))).toThrow(MalformedFrameError)
    expect(() => decodeWire2Frame(ok.subarray(0, ok.length - 1))).toThrow(MalformedFrameError)
    expect(() => decodeWire2Frame(ok, { maxMessageSize: ok.length - 1 })).toThrow(FrameTooLargeError)
    expect(() => decodeWire2Frame(ok, { maxMessageSize: 14 })).toThrow(RangeError)
  })

  it('FrameTooLargeError names the 15-byte header', () => {
    expect(() => decodeWire2Frame(ok, { maxMessageSize: 16 })).toThrow(/15-byte header/)
  })
})
