// The wire codec on Uint8Array / DataView only: no Buffer, no node:zlib, no node:crypto. Byte-identical to
// @veltix/codec (both are checked against the reference's golden frames). The pure parts of @veltix/codec
// (constants, errors, HELLO payload decoding) are bundled from its source rather than written twice.
import { DEFAULT_MAX_MESSAGE_SIZE, HEADER_SIZE } from '../../../codec/src/constants.js'
import {
  ChecksumMismatchError,
  FrameTooLargeError,
  InvalidMessageTypeError,
  InvalidRequestIdError,
  MalformedFrameError,
} from '../../../codec/src/errors.js'
import { encodeUtf8 } from '../../../codec/src/payload.js'

export { decodeHelloPayload, versionsCompatible } from '../../../codec/src/hello.js'

/** A decoded frame; `payload` is a view into the bytes it was decoded from. */
export interface Frame {
  code: number
  requestId: number
  timestamp: number
  payload: Uint8Array
}

const TWO_32 = 0x1_0000_0000

// Byte-at-a-time table: a browser client checksums a few frames per event, not gigabytes.
const TABLE = /* @__PURE__ */ (() => {
  const t = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  return t
})()

/** CRC-32 (zlib / IEEE 802.3) of `data` as an unsigned 32-bit number. */
export function crc32(data: Uint8Array): number {
  let crc = -1
  for (let i = 0; i < data.length; i++) crc = TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return ~crc >>> 0
}

/** One frame's bytes: the 22-byte header (code, size, CRC-32, u64 ms timestamp, request id), then the payload. */
export function encodeFrame(
  code: number,
  requestId: number,
  payload: Uint8Array,
  timestamp = Date.now(),
): Uint8Array {
  if (!Number.isInteger(code) || code < 0 || code > 0xffff) {
    throw new InvalidMessageTypeError(`invalid message type code ${code}: must be an integer from 0 to 65535`)
  }
  if (requestId >>> 0 !== requestId)
    throw new InvalidRequestIdError(`${requestId} is not an unsigned 32-bit integer`)
  const out = new Uint8Array(HEADER_SIZE + payload.length)
  const v = new DataView(out.buffer)
  const hi = Math.floor(timestamp / TWO_32)
  v.setUint16(0, code)
  v.setUint32(2, payload.length)
  v.setUint32(6, crc32(payload))
  v.setUint32(10, hi)
  v.setUint32(14, timestamp - hi * TWO_32)
  v.setUint32(18, requestId)
  out.set(payload, HEADER_SIZE)
  return out
}

/**
 * Decodes `bytes` as exactly one frame (one WebSocket message carries one whole frame). Throws
 * `MalformedFrameError` when it is shorter or longer than the frame it starts with, `FrameTooLargeError` over
 * `maxMessageSize`, `ChecksumMismatchError` on a bad CRC.
 */
export function decodeFrame(bytes: Uint8Array, maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE): Frame {
  if (bytes.length < HEADER_SIZE) {
    throw new MalformedFrameError(`truncated frame: ${bytes.length} bytes, a header alone is ${HEADER_SIZE}`)
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE)
  const code = v.getUint16(0)
  const size = v.getUint32(2)
  if (HEADER_SIZE + size > maxMessageSize)
    throw new FrameTooLargeError(code, HEADER_SIZE + size, maxMessageSize)
  if (bytes.length !== HEADER_SIZE + size) {
    throw new MalformedFrameError(
      `frame code ${code} declares ${size} payload bytes (${HEADER_SIZE + size} in all) but the message has ${bytes.length} bytes`,
    )
  }
  const requestId = v.getUint32(18)
  const payload = bytes.subarray(HEADER_SIZE)
  const expected = v.getUint32(6)
  const actual = crc32(payload)
  if (expected !== actual) throw new ChecksumMismatchError(code, size, expected, actual, requestId)
  return { code, requestId, timestamp: v.getUint32(10) * TWO_32 + v.getUint32(14), payload }
}

/** A HELLO_ACK payload without a capability block: u16 length + UTF-8 version, the reference's bytes. */
export function encodeHelloAck(version: string): Uint8Array {
  const v = encodeUtf8(version)
  const out = new Uint8Array(2 + v.length)
  out[0] = v.length >>> 8
  out[1] = v.length
  out.set(v, 2)
  return out
}
