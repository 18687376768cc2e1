/**
 * The cluster envelope: one binary message per cluster call, published once whatever the number of nodes
 * receiving it. A fixed 18-byte header, the sender's node id, a small JSON meta block (filters, target
 * client, statuses), then the Veltix payload bytes untouched.
 *
 *   0 u8 version   1 u8 kind   2 u8 flags   3 u8 from length
 *   4 u32 correlation id   8 u16 type code   10 u32 request id   14 u32 meta length
 *   18 from (latin1) | meta (UTF-8 JSON, may be empty) | payload
 */

export const ENVELOPE_VERSION = 1
const HEADER = 18

export const Kind = {
  BROADCAST: 1,
  EMIT: 2,
  FETCH: 3,
  FETCH_REPLY: 4,
  SEND: 5,
  SEND_ACK: 6,
  REQUEST: 7,
  REPLY: 8,
  LEAVE: 9,
} as const
export type Kind = (typeof Kind)[keyof typeof Kind]

/** Flag bits. */
export const GENERATED_ID = 1
export const OK = 2

export interface Envelope {
  kind: Kind
  flags: number
  from: string
  corr: number
  code: number
  requestId: number
  meta: Record<string, unknown> | undefined
  payload: Uint8Array
}

const EMPTY = new Uint8Array(0)

/** One envelope as bytes. */
export function encodeEnvelope(
  kind: Kind,
  from: string,
  corr: number,
  meta: Record<string, unknown> | undefined,
  code = 0,
  requestId = 0,
  payload: Uint8Array = EMPTY,
  flags = 0,
): Buffer {
  const metaText = meta === undefined ? '' : JSON.stringify(meta)
  const metaLen = Buffer.byteLength(metaText, 'utf8')
  const out = Buffer.allocUnsafe(HEADER + from.length + metaLen + payload.length)
  out[0] = ENVELOPE_VERSION
  out[1] = kind
  out[2] = flags
  out[3] = from.length
  out.writeUInt32BE(corr >>> 0, 4)
  out.writeUInt16BE(code, 8)
  out.writeUInt32BE(requestId >>> 0, 10)
  out.writeUInt32BE(metaLen, 14)
  let at = HEADER + out.write(from, HEADER, 'latin1')
  if (metaLen > 0) at += out.write(metaText, at, 'utf8')
  out.set(payload, at)
  return out
}

/** The envelope in `bytes`, or undefined when they are not one (another version, cut, bad meta). */
export function decodeEnvelope(bytes: Buffer): Envelope | undefined {
  if (bytes.length < HEADER || bytes[0] !== ENVELOPE_VERSION) return undefined
  const kind = bytes[1] as Kind
  if (kind < Kind.BROADCAST || kind > Kind.LEAVE) return undefined
  const fromLen = bytes[3]!
  const metaLen = bytes.readUInt32BE(14)
  const metaAt = HEADER + fromLen
  const payloadAt = metaAt + metaLen
  if (payloadAt > bytes.length) return undefined
  let meta: Record<string, unknown> | undefined
  if (metaLen > 0) {
    try {
      const parsed: unknown = JSON.parse(bytes.toString('utf8', metaAt, payloadAt))
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined
      meta = parsed as Record<string, unknown>
    } catch {
      return undefined
    }
  }
  return {
    kind,
    flags: bytes[2]!,
    from: bytes.toString('latin1', HEADER, metaAt),
    corr: bytes.readUInt32BE(4),
    code: bytes.readUInt16BE(8),
    requestId: bytes.readUInt32BE(10),
    meta,
    payload: bytes.subarray(payloadAt),
  }
}
