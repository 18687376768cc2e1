import { DEFAULT_MAX_MESSAGE_SIZE } from '../constants.js'
import { crc32, crc32I32 } from '../crc32.js'
import {
  ChecksumMismatchError,
  FrameTooLargeError,
  InvalidMessageTypeError,
  InvalidRequestIdError,
  MalformedFrameError,
} from '../errors.js'
import type { Frame } from '../frame.js'
import { WIRE2_HEADER_SIZE, WIRE2_MAGIC_0, WIRE2_MAGIC_1 } from './constants.js'
import { BadMagicError } from './errors.js'

/**
 * A decoded 2.x frame. It has no timestamp on the wire: `timestamp` is always 0, so a `Wire2Frame` can go
 * wherever a 1.6.3 `Frame` goes. `requestId` is the u16 id (0 is a real id on this wire).
 */
export interface Wire2Frame extends Frame {
  /** The flags byte as received (the reference sends 0 and ignores it). */
  flags: number
}

/** What `encodeWire2Frame` needs. `flags` defaults to 0, which is all the reference sends. */
export interface Wire2FrameInit {
  code: number
  payload: Uint8Array
  /** u16 request id. */
  requestId: number
  flags?: number
}

/** Total encoded length of a 2.x frame whose payload has `payloadLength` bytes. */
export function wire2FrameLength(payloadLength: number): number {
  return WIRE2_HEADER_SIZE + payloadLength
}

/**
 * Writes a 2.x frame into `target` at `offset` (room for `wire2FrameLength(payload.length)` bytes needed)
 * and returns the offset just past it.
 */
export function writeWire2Frame(
  target: Uint8Array,
  offset: number,
  code: number,
  requestId: number,
  payload: Uint8Array,
  flags = 0,
  checksum = crc32I32(payload),
): number {
  if (!Number.isInteger(code) || code < 0 || code > 0xffff) {
    throw new InvalidMessageTypeError(`invalid message type code ${code}: must be an integer from 0 to 65535`)
  }
  if (!Number.isInteger(requestId) || requestId < 0 || requestId > 0xffff) {
    throw new InvalidRequestIdError(`${requestId} is not an unsigned 16-bit integer (the 2.x wire's id)`)
  }
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xff) {
    throw new RangeError(`invalid 2.x frame flags ${flags}: must be an integer from 0 to 255`)
  }
  const size = payload.length
  if (offset < 0 || offset + WIRE2_HEADER_SIZE + size > target.length) {
    throw new RangeError(
      `writeWire2Frame: a ${WIRE2_HEADER_SIZE + size}-byte frame does not fit at offset ${offset} of a ${target.length}-byte buffer`,
    )
  }
  const t = target
  const o = offset
  t[o] = WIRE2_MAGIC_0
  t[o + 1] = WIRE2_MAGIC_1
  t[o + 2] = flags
  t[o + 3] = code >>> 8
  t[o + 4] = code
  t[o + 5] = size >>> 24
  t[o + 6] = size >>> 16
  t[o + 7] = size >>> 8
  t[o + 8] = size
  t[o + 9] = checksum >>> 24
  t[o + 10] = checksum >>> 16
  t[o + 11] = checksum >>> 8
  t[o + 12] = checksum
  t[o + 13] = requestId >>> 8
  t[o + 14] = requestId
  target.set(payload, o + WIRE2_HEADER_SIZE)
  return o + WIRE2_HEADER_SIZE + size
}

/** Encodes one 2.x frame, byte-identical to the reference's `Request.compile` (2.0.0rc1 to 3.x). */
export function encodeWire2Frame(init: Wire2FrameInit): Buffer {
  const out = Buffer.allocUnsafe(WIRE2_HEADER_SIZE + init.payload.length)
  writeWire2Frame(out, 0, init.code, init.requestId, init.payload, init.flags ?? 0)
  return out
}

/** @internal u16 at `o`. */
export function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!
}

/** @internal u32 at `o` (unsigned). */
export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
}

/** @internal u32 at `o` as a signed int32 (no heap number). */
export function i32(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!
}

/** Validates a `maxMessageSize` for the 2.x profile: a number of bytes no smaller than its header. */
export function checkWire2MaxMessageSize(limit: number): number {
  if (typeof limit !== 'number' || !(limit >= WIRE2_HEADER_SIZE)) {
    throw new RangeError(
      `maxMessageSize must be a number of bytes >= ${WIRE2_HEADER_SIZE} (the 2.x header size), got ${limit}`,
    )
  }
  return limit
}

/**
 * Decodes exactly one complete 2.x frame. Throws `BadMagicError`, `FrameTooLargeError` (over
 * `maxMessageSize`, default 10 MiB), `MalformedFrameError` (not exactly one frame) or `ChecksumMismatchError`.
 * The payload is a view into `bytes`.
 */
export function decodeWire2Frame(bytes: Uint8Array, options: { maxMessageSize?: number } = {}): Wire2Frame {
  const limit = checkWire2MaxMessageSize(options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE)
  if (bytes.length < WIRE2_HEADER_SIZE) {
    throw new MalformedFrameError(
      `truncated 2.x frame: ${bytes.length} bytes, a header alone is ${WIRE2_HEADER_SIZE}`,
    )
  }
  if (bytes[0] !== WIRE2_MAGIC_0 || bytes[1] !== WIRE2_MAGIC_1) throw new BadMagicError(u16(bytes, 0))
  const code = u16(bytes, 3)
  const size = u32(bytes, 5)
  const total = WIRE2_HEADER_SIZE + size
  if (total > limit) throw new FrameTooLargeError(code, total, limit, WIRE2_HEADER_SIZE)
  if (bytes.length !== total) {
    throw new MalformedFrameError(
      `2.x frame code ${code} declares ${size} payload bytes (${total} in all) but ${bytes.length} bytes were given`,
    )
  }
  const requestId = u16(bytes, 13)
  const payload = bytes.subarray(WIRE2_HEADER_SIZE)
  const expected = u32(bytes, 9)
  const actual = crc32(payload)
  if (expected !== actual) throw new ChecksumMismatchError(code, size, expected, actual, requestId)
  return { code, flags: bytes[2]!, requestId, timestamp: 0, payload }
}
