import { randomInt } from 'node:crypto'
import { REQUEST_ID_LENGTH } from './constants.js'
import { InvalidRequestIdError } from './errors.js'

// A counter from a random start: ids are unique for 2^31 consecutive requests of this process, and cost
// nothing to draw. Sessions still check them against their pending table (SPEC.md C.2). Drawn below 2^31 so
// that V8 keeps them as small integers (a u32 from 2^31 up is a heap number: one allocation per request,
// per decoded frame and per reply on both sides, in half of all processes, depending on the start).
let counter = randomInt(0, 0x7fffffff)

/** A fresh request id: a u32 below 2^31. */
export function nextRequestId(): number {
  counter = (counter + 1) & 0x7fffffff
  return counter
}

/** The u32 value of a 4-byte request id (big-endian). */
export function requestIdFromBytes(bytes: Uint8Array): number {
  if (!(bytes instanceof Uint8Array) || bytes.length !== REQUEST_ID_LENGTH) {
    throw new InvalidRequestIdError(
      bytes instanceof Uint8Array ? `got ${bytes.length} bytes` : `got ${typeof bytes}, expected Uint8Array`,
    )
  }
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0
}

/** The 4 big-endian bytes of a u32 request id. */
export function requestIdToBytes(id: number): Uint8Array {
  const b = new Uint8Array(REQUEST_ID_LENGTH)
  b[0] = id >>> 24
  b[1] = id >>> 16
  b[2] = id >>> 8
  b[3] = id
  return b
}

/** Validates a request id given as a number (u32) or 4 bytes and returns it as a u32. */
export function toRequestId(id: number | Uint8Array): number {
  if (typeof id === 'number') {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw new InvalidRequestIdError(`${id} is not an unsigned 32-bit integer`)
    }
    return id
  }
  return requestIdFromBytes(id)
}

/** Lower-case hex of a u32 request id, for logs and errors. */
export function requestIdHex(id: number): string {
  return (id >>> 0).toString(16).padStart(8, '0')
}
