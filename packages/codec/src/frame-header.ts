import { HEADER_SIZE } from './constants.js'

/**
 * The one reader of the 22-byte frame header (code u16 @0, payload size u32 @2, CRC-32 u32 @6, timestamp
 * u64 ms @10, request id 4 bytes @18, all big-endian). Every component that cuts frames from bytes — the
 * codec's decoder, the transport's worker core, the session's sealed records — reads the header here.
 * Byte loads, not `Buffer#readUInt32BE` or a `DataView`: no allocation, and small enough to be inlined.
 */

/** The fields of one frame header. */
export interface FrameHeader {
  /** u16 message type code. */
  code: number
  /** u32 payload length (the frame is `HEADER_SIZE + size` bytes). */
  size: number
  /** u32 CRC-32 of the payload, as the header declares it. */
  checksum: number
  /** u64 sender timestamp in ms (exact up to Number.MAX_SAFE_INTEGER). */
  timestamp: number
  /** u32 value of the 4 request-id bytes. */
  requestId: number
}

const TWO_32 = 0x1_0000_0000

/**
 * Reads the header at `offset` of `bytes` into `into` (a new object without it) and returns it. `bytes` must
 * hold at least `HEADER_SIZE` bytes from `offset`; nothing is validated (see `FrameDecoder` for the checks).
 * Reusing one `into` object keeps a per-frame loop allocation-free.
 */
export function readFrameHeader(
  bytes: Uint8Array,
  offset: number,
  into: FrameHeader = { code: 0, size: 0, checksum: 0, timestamp: 0, requestId: 0 },
): FrameHeader {
  if (offset < 0 || bytes.length - offset < HEADER_SIZE) {
    throw new RangeError(
      `readFrameHeader: a ${HEADER_SIZE}-byte header does not fit at offset ${offset} of a ${bytes.length}-byte buffer`,
    )
  }
  into.code = headerCode(bytes, offset)
  into.size = readPayloadSize(bytes, offset)
  into.checksum = headerChecksumI32(bytes, offset) >>> 0
  into.timestamp = headerTimestamp(bytes, offset)
  into.requestId = headerRequestId(bytes, offset)
  return into
}

/**
 * The payload size declared by the header at `offset` (the frame is `HEADER_SIZE +` this): what a reader
 * needs to find where the next frame starts. No bounds check (hot path): the caller has the header bytes.
 */
export function readPayloadSize(b: Uint8Array, o: number): number {
  return ((b[o + 2]! << 24) | (b[o + 3]! << 16) | (b[o + 4]! << 8) | b[o + 5]!) >>> 0
}

/** @internal The u16 type code of the header at `o` (no bounds check). */
export function headerCode(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!
}

/**
 * @internal The header's CRC-32 as a signed int32 (no bounds check): compared with `crc32I32`, it keeps a
 * per-frame check free of heap numbers; `>>> 0` gives the u32.
 */
export function headerChecksumI32(b: Uint8Array, o: number): number {
  return (b[o + 6]! << 24) | (b[o + 7]! << 16) | (b[o + 8]! << 8) | b[o + 9]!
}

/** @internal The header's u64 timestamp in ms (no bounds check). */
export function headerTimestamp(b: Uint8Array, o: number): number {
  return u32(b, o + 10) * TWO_32 + u32(b, o + 14)
}

/** @internal The header's request id as a u32 (no bounds check). */
export function headerRequestId(b: Uint8Array, o: number): number {
  return u32(b, o + 18)
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
}
