import { describe, expect, it } from 'vitest'
import * as codec from '../src/index.js'

const make: Record<string, () => codec.CodecError> = {
  CodecError: () => new codec.CodecError('x'),
  ChecksumMismatchError: () => new codec.ChecksumMismatchError(200, 3, 1, 2, 7),
  UnknownMessageTypeError: () => new codec.UnknownMessageTypeError(201, 3, 7),
  FrameTooLargeError: () => new codec.FrameTooLargeError(202, 5000, 1024),
  MalformedFrameError: () => new codec.MalformedFrameError('x'),
  InvalidRequestIdError: () => new codec.InvalidRequestIdError('x'),
  InvalidTimestampError: () => new codec.InvalidTimestampError(-1),
  InvalidMessageTypeError: () => new codec.InvalidMessageTypeError('x'),
  InvalidHelloPayloadError: () => new codec.InvalidHelloPayloadError('x'),
  PayloadDecodeError: () => new codec.PayloadDecodeError('x'),
  BadMagicError: () => new codec.BadMagicError(0x0001),
}

describe('codec errors', () => {
  it('every exported error class is covered here', () => {
    const exported = Object.entries(codec)
      .filter(([, v]) => typeof v === 'function' && v.prototype instanceof Error)
      .map(([k]) => k)
      .sort()
    expect(exported).toEqual(Object.keys(make).sort())
  })

  it('one stable VELTIX_ERR_ code per class, name set to the class name, a CodecError', () => {
    const codes = new Set<string>()
    for (const [name, f] of Object.entries(make)) {
      const e = f()
      expect(e).toBeInstanceOf(codec.CodecError)
      expect(e.name).toBe(name)
      expect(e.code).toMatch(/^VELTIX_ERR_[A-Z_]+$/)
      codes.add(e.code)
    }
    expect(codes.size).toBe(Object.keys(make).length)
    expect(new codec.ChecksumMismatchError(200, 3, 1, 2, 7).code).toBe('VELTIX_ERR_CHECKSUM_MISMATCH')
  })

  it('the frame type code is messageCode; fatal only for FrameTooLargeError', () => {
    const e = new codec.FrameTooLargeError(202, 5000, 1024)
    expect([e.messageCode, e.frameSize, e.limit, e.fatal, e.code]).toEqual([
      202,
      5000,
      1024,
      true,
      'VELTIX_ERR_FRAME_TOO_LARGE',
    ])
    expect(new codec.ChecksumMismatchError(200, 3, 1, 2, 7).messageCode).toBe(200)
    expect(new codec.UnknownMessageTypeError(201, 3, 7).fatal).toBe(false)
  })
})
