import { PayloadDecodeError } from './errors.js'

const encoder = new TextEncoder()
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }) // keep a leading U+FEFF, as Python's decode

/**
 * A payload as accepted everywhere: bytes, a string sent as UTF-8, `{ text }` (the same, said explicitly) or
 * `{ json }` (a value sent as UTF-8 JSON, as `encodeJson`).
 */
export type PayloadInput = Uint8Array | string | { text: string } | { json: unknown }

/**
 * Bytes of a payload input: a string becomes UTF-8; bytes are used as they are (no copy); `{ text }` /
 * `{ json }` are encoded (a value JSON cannot serialise throws `PayloadDecodeError`).
 */
export function toPayload(input: PayloadInput): Uint8Array {
  if (typeof input === 'string') return Buffer.from(input, 'utf8')
  if (input instanceof Uint8Array) return input
  // The object forms come last: the string and bytes paths above stay as cheap as before.
  if (input !== null && typeof input === 'object') {
    if ('text' in input && typeof input.text === 'string') return Buffer.from(input.text, 'utf8')
    if ('json' in input) return encodeJson(input.json)
  }
  throw new TypeError(
    `a payload is a Uint8Array, a string, { text: string } or { json: value }, got ${describe(input)}`,
  )
}

function describe(input: unknown): string {
  if (input === null || typeof input !== 'object') return typeof input
  const keys = Object.keys(input)
  return keys.length === 0 ? 'an empty object' : `an object with ${keys.join(', ')}`
}

/** UTF-8 bytes of `text`. */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text)
}

/** Text of UTF-8 `bytes`; throws `PayloadDecodeError` on invalid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes)
  } catch (cause) {
    throw new PayloadDecodeError(`payload of ${bytes.length} bytes is not valid UTF-8`, { cause })
  }
}

/** UTF-8 JSON of `value`; throws `PayloadDecodeError` when it cannot be serialised (cycles, BigInt). */
export function encodeJson(value: unknown): Uint8Array {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (cause) {
    throw new PayloadDecodeError('value cannot be serialised as JSON', { cause })
  }
  if (text === undefined) throw new PayloadDecodeError(`a ${typeof value} cannot be serialised as JSON`)
  return encoder.encode(text)
}

/** The value of UTF-8 JSON `bytes`; throws `PayloadDecodeError` on invalid UTF-8 or JSON. */
export function decodeJson<T = unknown>(bytes: Uint8Array): T {
  const text = decodeUtf8(bytes)
  try {
    return JSON.parse(text) as T
  } catch (cause) {
    throw new PayloadDecodeError(`payload of ${bytes.length} bytes is not valid JSON`, { cause })
  }
}
