import { randomFillSync } from 'node:crypto'

// The outbound half of WebSocket framing (RFC 6455 §5.2), for final binary frames only: what a connection
// needs to write its Veltix frames itself, one message each, into its per-tick slab.

/** Bytes of the WebSocket header of a binary message of `len` bytes (a client's carries a 4-byte masking key). */
export function headerSize(len: number, masked: boolean): number {
  return (len < 126 ? 2 : len < 0x10000 ? 4 : 10) + (masked ? 4 : 0)
}

/**
 * Writes the header of one final binary frame of `len` bytes at `o` (with a fresh masking key when `masked`)
 * and returns the offset just past it, where the payload goes. A masked payload must then go through `mask`.
 */
export function writeHeader(buf: Buffer, o: number, len: number, masked: boolean): number {
  buf[o] = 0x82 // FIN + opcode 2 (binary)
  const bit = masked ? 0x80 : 0
  let at: number
  if (len < 126) {
    buf[o + 1] = bit | len
    at = o + 2
  } else if (len < 0x10000) {
    buf[o + 1] = bit | 126
    buf.writeUInt16BE(len, o + 2)
    at = o + 4
  } else {
    buf[o + 1] = bit | 127
    buf.writeUInt32BE(Math.floor(len / 0x1_0000_0000), o + 2)
    buf.writeUInt32BE(len >>> 0, o + 6)
    at = o + 10
  }
  if (!masked) return at
  if (poolAt + 4 > pool.length) {
    randomFillSync(pool)
    poolAt = 0
  }
  buf[at] = pool[poolAt]!
  buf[at + 1] = pool[poolAt + 1]!
  buf[at + 2] = pool[poolAt + 2]!
  buf[at + 3] = pool[poolAt + 3]!
  poolAt += 4
  return at + 4
}

// Masking keys must be unpredictable (RFC 6455 §10.3): drawn from the CSPRNG, 2048 at a time.
const pool = Buffer.allocUnsafe(8192)
let poolAt = pool.length

/** Masks `len` bytes at `start` in place with the key in the 4 bytes before them (written by `writeHeader`). */
export function mask(buf: Buffer, start: number, len: number): void {
  const k0 = buf[start - 4]!
  const k1 = buf[start - 3]!
  const k2 = buf[start - 2]!
  const k3 = buf[start - 1]!
  const end = start + len
  const end4 = start + (len & ~3)
  let i = start
  for (; i < end4; i += 4) {
    buf[i] = buf[i]! ^ k0
    buf[i + 1] = buf[i + 1]! ^ k1
    buf[i + 2] = buf[i + 2]! ^ k2
    buf[i + 3] = buf[i + 3]! ^ k3
  }
  if (i < end) buf[i] = buf[i++]! ^ k0
  if (i < end) buf[i] = buf[i++]! ^ k1
  if (i < end) buf[i] = buf[i]! ^ k2
}
