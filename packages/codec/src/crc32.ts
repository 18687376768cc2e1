import * as zlib from 'node:zlib'

let table: Int32Array | undefined

function makeTable(): Int32Array {
  const t = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  return t
}

/**
 * Table-driven CRC-32 (IEEE 802.3 / zlib: reflected poly 0xEDB88320, init and final xor 0xFFFFFFFF).
 * Used where `zlib.crc32` is missing (Node < 20.15 / 22.2). `previous` continues a running checksum.
 */
export function crc32Table(data: Uint8Array, previous = 0): number {
  table ??= makeTable()
  const t = table
  let crc = ~previous
  for (let i = 0; i < data.length; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return ~crc >>> 0
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32

/** CRC-32 of `data` as an unsigned 32-bit number; zlib's native implementation when Node has it. */
export const crc32: (data: Uint8Array, previous?: number) => number =
  typeof native === 'function' ? (data, previous = 0) => native(data, previous) : crc32Table

/** Whether `crc32` uses Node's native `zlib.crc32`. */
export const nativeCrc32 = typeof native === 'function'
