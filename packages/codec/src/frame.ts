import { DEFAULT_MAX_MESSAGE_SIZE, HEADER_SIZE } from './constants.js'
import { crc32, crc32I32 } from './crc32.js'
import {
  ChecksumMismatchError,
  FrameTooLargeError,
  InvalidMessageTypeError,
  InvalidRequestIdError,
  InvalidTimestampError,
  MalformedFrameError,
} from './errors.js'
import {
  headerChecksumI32,
  headerCode,
  headerRequestId,
  headerTimestamp,
  readPayloadSize,
} from './frame-header.js'
import { toRequestId } from './request-id.js'

/** A decoded frame. `payload` may be a view into the bytes it was decoded from (see FrameDecoder). */
export interface Frame {
  /** u16 message type code. */
  code: number
  /** u32 value of the 4 request-id bytes (big-endian). */
  requestId: number
  /** Sender's wall clock in ms since the epoch, from the header. */
  timestamp: number
  payload: Uint8Array
}

/** What `encodeFrame` needs. `timestamp` defaults to `Date.now()`; `requestId` is a u32 or exactly 4 bytes. */
export interface FrameInit {
  code: number
  payload: Uint8Array
  requestId: number | Uint8Array
  timestamp?: number
}

const TWO_32 = 0x1_0000_0000

/** Total encoded length of a frame whose payload has `payloadLength` bytes. */
export function frameLength(payloadLength: number): number {
  return HEADER_SIZE + payloadLength
}

/**
 * Writes the frame into `target` at `offset` (which must have room for `frameLength(payload.length)` bytes)
 * and returns the offset just past it. Lets a writer put many frames into one buffer without a copy each.
 */
export function writeFrame(
  target: Uint8Array,
  offset: number,
  code: number,
  requestId: number,
  payload: Uint8Array,
  timestamp: number,
  checksum = crc32I32(payload), // signed or unsigned: only its 32 bits are written
): number {
  if (!Number.isInteger(code) || code < 0 || code > 0xffff) {
    throw new InvalidMessageTypeError(`invalid message type code ${code}: must be an integer from 0 to 65535`)
  }
  if (requestId >>> 0 !== requestId)
    throw new InvalidRequestIdError(`${requestId} is not an unsigned 32-bit integer`)
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new InvalidTimestampError(timestamp)
  const size = payload.length
  if (offset < 0 || offset + HEADER_SIZE + size > target.length) {
    throw new RangeError(
      `writeFrame: a ${HEADER_SIZE + size}-byte frame does not fit at offset ${offset} of a ${target.length}-byte buffer`,
    )
  }
  const hi = Math.floor(timestamp / TWO_32)
  const lo = timestamp - hi * TWO_32
  // Byte stores rather than a DataView: no allocation per frame on the write path.
  const t = target
  let o = offset
  t[o++] = code >>> 8
  t[o++] = code
  o = putU32(t, o, size)
  o = putU32(t, o, checksum)
  o = putU32(t, o, hi)
  o = putU32(t, o, lo)
  putU32(t, o, requestId)
  target.set(payload, offset + HEADER_SIZE)
  return offset + HEADER_SIZE + size
}

/** Encodes one frame, byte-identical to the Python reference's `Request.compile` for the same inputs. */
export function encodeFrame(init: FrameInit): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + init.payload.length)
  writeFrame(out, 0, init.code, toRequestId(init.requestId), init.payload, init.timestamp ?? Date.now())
  return out
}

/** Options for `decodeFrame`. */
export interface DecodeFrameOptions {
  /** Limit on the total frame length (header + payload); default 10 MiB. */
  maxMessageSize?: number
}

/**
 * Decodes exactly one complete frame from `bytes`. Throws `MalformedFrameError` when `bytes` is shorter or
 * longer than the frame it starts with, `FrameTooLargeError` over the limit, `ChecksumMismatchError` on a
 * bad CRC. The returned payload is a view into `bytes`.
 */
export function decodeFrame(bytes: Uint8Array, options: DecodeFrameOptions = {}): Frame {
  const limit = checkMaxMessageSize(options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE)
  if (bytes.length < HEADER_SIZE) {
    throw new MalformedFrameError(`truncated frame: ${bytes.length} bytes, a header alone is ${HEADER_SIZE}`)
  }
  const code = headerCode(bytes, 0)
  const size = readPayloadSize(bytes, 0)
  if (HEADER_SIZE + size > limit) throw new FrameTooLargeError(code, HEADER_SIZE + size, limit)
  if (bytes.length !== HEADER_SIZE + size) {
    throw new MalformedFrameError(
      `frame code ${code} declares ${size} payload bytes (${HEADER_SIZE + size} in all) but ${bytes.length} bytes were given`,
    )
  }
  const requestId = headerRequestId(bytes, 0)
  const payload = bytes.subarray(HEADER_SIZE)
  const expected = headerChecksumI32(bytes, 0) >>> 0
  const actual = crc32(payload)
  if (expected !== actual) throw new ChecksumMismatchError(code, size, expected, actual, requestId)
  return { code, requestId, timestamp: headerTimestamp(bytes, 0), payload }
}

/** Validates a `maxMessageSize` option: a number of bytes no smaller than a header (Infinity allowed). */
export function checkMaxMessageSize(limit: number): number {
  if (typeof limit !== 'number' || !(limit >= HEADER_SIZE)) {
    throw new RangeError(
      `maxMessageSize must be a number of bytes >= ${HEADER_SIZE} (the header size), got ${limit}`,
    )
  }
  return limit
}

function putU32(t: Uint8Array, o: number, n: number): number {
  t[o] = n >>> 24
  t[o + 1] = n >>> 16
  t[o + 2] = n >>> 8
  t[o + 3] = n
  return o + 4
}
