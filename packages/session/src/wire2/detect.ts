import { UnknownWireError } from './errors.js'

/** Which wire a server speaks, from its first bytes (WIRE-2.md §7). */
export type DetectedWire = '1.6' | '2'

/**
 * Client, `protocol: 'auto'`: classifies the server's first bytes. Returns undefined while fewer than 3 bytes
 * are here (wait for more), `'2'` when byte 2 is `{` (a u16 JSON length, then the object), `'1.6'` for the
 * start of a 1.6.3 HELLO header (`00 0a 00`: code 10, then the size's high byte); throws `UnknownWireError`
 * for anything else. It only looks: the bytes stay for whichever decoder takes over.
 */
export function detectWire(bytes: Uint8Array): DetectedWire | undefined {
  if (bytes.length < 3) return undefined
  if (bytes[2] === 0x7b) return '2'
  // A 1.6.3 HELLO (code 10), or the ERROR frame (code 20) a full Veltix-for-TypeScript 1.6.3 server refuses with.
  if (bytes[0] === 0x00 && (bytes[1] === 0x0a || bytes[1] === 0x14) && bytes[2] === 0x00) return '1.6'
  throw new UnknownWireError(Buffer.from(bytes.subarray(0, Math.min(bytes.length, 8))).toString('hex'))
}
