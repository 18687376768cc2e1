import * as zlib from 'node:zlib'
import { instantiateWasmCrc32, WASM_CRC32_MAX_INPUT } from './crc32-wasm.js'

/**
 * Payloads shorter than this are checksummed in JS: a call into zlib costs more than the JS loop for them
 * (measured on Node 20: about 150 ns of call overhead, against about 1 ns per byte for slice-by-16).
 */
export const NATIVE_CRC32_THRESHOLD = 256

// Slice-by-16 tables: T[k * 256 + n] is the CRC of byte n followed by k zero bytes.
function makeTables(): Int32Array {
  const t = new Int32Array(16 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!
    for (let k = 1; k < 16; k++) {
      c = t[c & 0xff]! ^ (c >>> 8)
      t[k * 256 + n] = c
    }
  }
  return t
}

// Built at load (about 30 µs) rather than on first use: a constant lets the hot loop skip a check.
const TABLES = makeTables()

/** The WASM kernel (crc32-wasm.ts), or undefined where WebAssembly is unavailable: then the JS loops below. */
const wasm = instantiateWasmCrc32(TABLES)

/** Whether short inputs are checksummed by the embedded WebAssembly kernel (else by the JS slice-by-16). */
export const wasmCrc32 = wasm !== undefined

/**
 * CRC-32 of `bytes[start, end)` continued from `previous`, read through `view`, a DataView over exactly
 * the bytes of `bytes` (the decoder keeps one per chunk, so checking a frame allocates nothing). Returned as
 * a signed int32 (`| 0` of the unsigned value): V8 keeps that unboxed, where an unsigned value from 2^31 up,
 * returned from a call that is not inlined, is a heap number (an allocation per frame for half of them).
 */
export function crc32Range(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  previous = 0,
): number {
  if (wasm !== undefined && end - start <= WASM_CRC32_MAX_INPUT)
    return wasm(new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start), previous)
  const t = TABLES
  let crc = ~previous
  let i = start
  const end16 = end - ((end - start) & 15)
  while (i < end16) {
    const a = view.getInt32(i, true) ^ crc
    const b = view.getInt32(i + 4, true)
    const c = view.getInt32(i + 8, true)
    const d = view.getInt32(i + 12, true)
    // Written out here (not a helper): V8 then never leaves it as a call when the caller is inlined deeply.
    crc =
      t[3840 + (a & 0xff)]! ^
      t[3584 + ((a >>> 8) & 0xff)]! ^
      t[3328 + ((a >>> 16) & 0xff)]! ^
      t[3072 + (a >>> 24)]! ^
      t[2816 + (b & 0xff)]! ^
      t[2560 + ((b >>> 8) & 0xff)]! ^
      t[2304 + ((b >>> 16) & 0xff)]! ^
      t[2048 + (b >>> 24)]! ^
      t[1792 + (c & 0xff)]! ^
      t[1536 + ((c >>> 8) & 0xff)]! ^
      t[1280 + ((c >>> 16) & 0xff)]! ^
      t[1024 + (c >>> 24)]! ^
      t[768 + (d & 0xff)]! ^
      t[512 + ((d >>> 8) & 0xff)]! ^
      t[256 + ((d >>> 16) & 0xff)]! ^
      t[d >>> 24]!
    i += 16
  }
  while (i < end) crc = t[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8)
  return ~crc
}

/**
 * Table-driven CRC-32 (IEEE 802.3 / zlib: reflected poly 0xEDB88320, init and final xor 0xFFFFFFFF),
 * slice-by-16. Used where `zlib.crc32` is missing (Node < 20.15 / 22.2) and for short inputs. `previous`
 * continues a running checksum.
 */
export function crc32Table(data: Uint8Array, previous = 0): number {
  return crc32TableI32(data, previous) >>> 0
}

/** `crc32Table` as a signed int32 (see `crc32Range`): what `writeFrame` uses. */
export function crc32TableI32(data: Uint8Array, previous: number): number {
  // Bytes are assembled by hand rather than read through a DataView: a DataView made per call cost about
  // three times the checksum of a short payload (payloads rarely share a buffer, so one cannot be cached).
  // The decoder, which reads many frames out of one chunk, keeps a view per chunk and uses crc32Range.
  if (wasm !== undefined && data.length <= WASM_CRC32_MAX_INPUT) return wasm(data, previous)
  return crc32JsI32(data, previous)
}

/** The JS slice-by-16 kernel alone (where WebAssembly is unavailable; exported for its tests). */
export function crc32JsI32(data: Uint8Array, previous: number): number {
  const t = TABLES
  const b = data
  let crc = ~previous
  let i = 0
  const end = b.length
  const end16 = end - (end & 15)
  while (i < end16) {
    const w0 = (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) ^ crc
    const w1 = b[i + 4]! | (b[i + 5]! << 8) | (b[i + 6]! << 16) | (b[i + 7]! << 24)
    const w2 = b[i + 8]! | (b[i + 9]! << 8) | (b[i + 10]! << 16) | (b[i + 11]! << 24)
    const w3 = b[i + 12]! | (b[i + 13]! << 8) | (b[i + 14]! << 16) | (b[i + 15]! << 24)
    crc =
      t[3840 + (w0 & 0xff)]! ^
      t[3584 + ((w0 >>> 8) & 0xff)]! ^
      t[3328 + ((w0 >>> 16) & 0xff)]! ^
      t[3072 + (w0 >>> 24)]! ^
      t[2816 + (w1 & 0xff)]! ^
      t[2560 + ((w1 >>> 8) & 0xff)]! ^
      t[2304 + ((w1 >>> 16) & 0xff)]! ^
      t[2048 + (w1 >>> 24)]! ^
      t[1792 + (w2 & 0xff)]! ^
      t[1536 + ((w2 >>> 8) & 0xff)]! ^
      t[1280 + ((w2 >>> 16) & 0xff)]! ^
      t[1024 + (w2 >>> 24)]! ^
      t[768 + (w3 & 0xff)]! ^
      t[512 + ((w3 >>> 8) & 0xff)]! ^
      t[256 + ((w3 >>> 16) & 0xff)]! ^
      t[w3 >>> 24]!
    i += 16
  }
  while (i < end) crc = t[(crc ^ b[i++]!) & 0xff]! ^ (crc >>> 8)
  return ~crc
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32

/** Whether `crc32` uses Node's native `zlib.crc32` (for inputs of `NATIVE_CRC32_THRESHOLD` bytes or more). */
export const nativeCrc32 = typeof native === 'function'

/** The native zlib CRC-32 when this Node has it. */
export const zlibCrc32: ((data: Uint8Array, value?: number) => number) | undefined = native

/** CRC-32 of `data` as an unsigned 32-bit number: zlib's native implementation for long inputs when Node has it. */
export const crc32: (data: Uint8Array, previous?: number) => number =
  native !== undefined
    ? (data, previous = 0) =>
        data.length >= NATIVE_CRC32_THRESHOLD ? native(data, previous) : crc32Table(data, previous)
    : crc32Table

/** CRC-32 of `data` as a signed int32 (see `crc32Range`); `>>> 0` of it is `crc32(data)`. */
export const crc32I32: (data: Uint8Array) => number =
  native !== undefined
    ? (data) => (data.length >= NATIVE_CRC32_THRESHOLD ? native(data, 0) | 0 : crc32TableI32(data, 0))
    : (data) => crc32TableI32(data, 0)
