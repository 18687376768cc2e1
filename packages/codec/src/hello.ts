import {
  CAPABILITY_BLOCK_VERSION,
  CAPABILITY_MAGIC_0,
  CAPABILITY_MAGIC_1,
  CAPABILITY_MAX_BLOCK_SIZE,
  CAPABILITY_MAX_ENTRIES,
  CAPABILITY_MAX_KEY_LENGTH,
  CAPABILITY_MAX_VALUE_LENGTH,
} from './constants.js'
import { InvalidHelloPayloadError } from './errors.js'

/** Optional features a peer announces in HELLO / HELLO_ACK: ASCII key → raw value bytes. */
export type Capabilities = ReadonlyMap<string, Uint8Array>

/** A decoded HELLO / HELLO_ACK payload. */
export interface HelloPayload {
  /** The version text as sent (e.g. "1.6.3"). */
  version: string
  /** The capability block, or null when the peer sent none (a reference peer never does). */
  capabilities: Capabilities | null
}

const KEY_RE = /^[\x21-\x7e]+$/
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const ascii = new TextDecoder('latin1')

/**
 * Encodes a HELLO / HELLO_ACK payload: u16 big-endian length + UTF-8 version text (exactly the reference's),
 * then, when `capabilities` is non-empty, the capability block (see the package README).
 */
export function encodeHelloPayload(version: string, capabilities?: Capabilities): Uint8Array {
  const v = Buffer.from(version, 'utf8')
  if (v.length > 0xffff) throw new InvalidHelloPayloadError(`version text of ${v.length} bytes is over 65535`)
  const block =
    capabilities !== undefined && capabilities.size > 0 ? encodeCapabilities(capabilities) : undefined
  const out = Buffer.allocUnsafe(2 + v.length + (block?.length ?? 0))
  out.writeUInt16BE(v.length, 0)
  v.copy(out, 2)
  if (block !== undefined) out.set(block, 2 + v.length)
  return out
}

/**
 * Decodes a HELLO / HELLO_ACK payload. Bytes after the version that do not start with the capability magic
 * are ignored, as the reference ignores them; a block that starts with it but is malformed throws
 * `InvalidHelloPayloadError`.
 */
export function decodeHelloPayload(payload: Uint8Array): HelloPayload {
  if (payload.length < 2) {
    throw new InvalidHelloPayloadError(
      `HELLO payload of ${payload.length} bytes: needs at least a u16 length`,
    )
  }
  const n = (payload[0]! << 8) | payload[1]!
  if (payload.length < 2 + n) {
    throw new InvalidHelloPayloadError(
      `HELLO payload declares a ${n}-byte version but only ${payload.length - 2} bytes follow`,
    )
  }
  let version: string
  try {
    version = utf8.decode(payload.subarray(2, 2 + n))
  } catch (cause) {
    throw new InvalidHelloPayloadError('HELLO version text is not valid UTF-8', { cause })
  }
  const rest = payload.subarray(2 + n)
  const capabilities =
    rest.length >= 2 && rest[0] === CAPABILITY_MAGIC_0 && rest[1] === CAPABILITY_MAGIC_1
      ? decodeCapabilities(rest)
      : null
  return { version, capabilities }
}

/**
 * Parses a version as exactly three non-negative decimal integers ("1.6.3" → [1, 6, 3]), the reference's
 * rule. Returns null for anything else.
 */
export function parseVersion(text: string): [number, number, number] | null {
  const m = /^(\d{1,9})\.(\d{1,9})\.(\d{1,9})$/.exec(text)
  if (m === null) return null
  return [Number(m[1]), Number(m[2]), Number(m[3])]
}

/** The reference's compatibility rule: both parse and major, minor and patch are all equal. */
export function versionsCompatible(a: string, b: string): boolean {
  const x = parseVersion(a)
  const y = parseVersion(b)
  return x !== null && y !== null && x[0] === y[0] && x[1] === y[1] && x[2] === y[2]
}

/** Encodes a capability block. Throws `InvalidHelloPayloadError` when a bound is exceeded. */
export function encodeCapabilities(capabilities: Capabilities): Uint8Array {
  if (capabilities.size > CAPABILITY_MAX_ENTRIES) {
    throw new InvalidHelloPayloadError(
      `${capabilities.size} capabilities: at most ${CAPABILITY_MAX_ENTRIES} may be announced`,
    )
  }
  const parts: Uint8Array[] = []
  let size = 4
  for (const [key, value] of capabilities) {
    if (key.length === 0 || key.length > CAPABILITY_MAX_KEY_LENGTH || !KEY_RE.test(key)) {
      throw new InvalidHelloPayloadError(
        `capability key '${key}' must be 1 to ${CAPABILITY_MAX_KEY_LENGTH} printable ASCII characters`,
      )
    }
    if (value.length > CAPABILITY_MAX_VALUE_LENGTH) {
      throw new InvalidHelloPayloadError(
        `capability '${key}' has a ${value.length}-byte value, over ${CAPABILITY_MAX_VALUE_LENGTH}`,
      )
    }
    const entry = Buffer.allocUnsafe(1 + key.length + 2 + value.length)
    entry[0] = key.length
    entry.write(key, 1, 'latin1')
    entry.writeUInt16BE(value.length, 1 + key.length)
    entry.set(value, 3 + key.length)
    parts.push(entry)
    size += entry.length
  }
  if (size > CAPABILITY_MAX_BLOCK_SIZE) {
    throw new InvalidHelloPayloadError(
      `capability block of ${size} bytes is over ${CAPABILITY_MAX_BLOCK_SIZE}`,
    )
  }
  const out = Buffer.allocUnsafe(size)
  out[0] = CAPABILITY_MAGIC_0
  out[1] = CAPABILITY_MAGIC_1
  out[2] = CAPABILITY_BLOCK_VERSION
  out[3] = capabilities.size
  let o = 4
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/**
 * Decodes a capability block (starting at its magic). Entries of a later block version are read with the
 * same layout (the layout is fixed; versions only add keys). A key that appears twice is malformed (an encoder
 * writing a Map never produces one, and rejecting it leaves no room for two decoders to disagree).
 */
export function decodeCapabilities(block: Uint8Array): Capabilities {
  const bad = (why: string) => new InvalidHelloPayloadError(`malformed capability block: ${why}`)
  if (block.length > CAPABILITY_MAX_BLOCK_SIZE)
    throw bad(`${block.length} bytes, over ${CAPABILITY_MAX_BLOCK_SIZE}`)
  if (block.length < 4 || block[0] !== CAPABILITY_MAGIC_0 || block[1] !== CAPABILITY_MAGIC_1)
    throw bad('no header')
  if (block[2] === 0) throw bad('block version 0')
  const count = block[3]!
  if (count > CAPABILITY_MAX_ENTRIES) throw bad(`${count} entries, over ${CAPABILITY_MAX_ENTRIES}`)
  const out = new Map<string, Uint8Array>()
  let o = 4
  for (let i = 0; i < count; i++) {
    if (o + 1 > block.length) throw bad(`entry ${i} truncated`)
    const kl = block[o]!
    if (kl === 0 || kl > CAPABILITY_MAX_KEY_LENGTH) throw bad(`entry ${i} has a key length of ${kl}`)
    if (o + 1 + kl + 2 > block.length) throw bad(`entry ${i} truncated`)
    const key = ascii.decode(block.subarray(o + 1, o + 1 + kl))
    if (!KEY_RE.test(key)) throw bad(`entry ${i} key is not printable ASCII`)
    const vl = (block[o + 1 + kl]! << 8) | block[o + 2 + kl]!
    if (vl > CAPABILITY_MAX_VALUE_LENGTH) throw bad(`entry '${key}' value of ${vl} bytes`)
    const start = o + 3 + kl
    if (start + vl > block.length) throw bad(`entry '${key}' truncated`)
    if (out.has(key)) throw bad(`key '${key}' appears twice`)
    out.set(key, Uint8Array.prototype.slice.call(block, start, start + vl))
    o = start + vl
  }
  if (o !== block.length) throw bad(`${block.length - o} trailing bytes`)
  return out
}
