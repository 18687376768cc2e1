import { PayloadDecodeError } from './errors.js'

const encoder = new TextEncoder()
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }) // keep a leading U+FEFF, as Python's decode

/** A payload as accepted everywhere: bytes, or a string sent as UTF-8. */
export type PayloadInput = Uint8Array | string

/** Bytes of a payload input: a string becomes UTF-8; bytes are used as they are (no copy). */
export function toPayload(input: PayloadInput): Uint8Array {
  if (typeof input === 'string') return Buffer.from(input, 'utf8')
  if (input instanceof Uint8Array) return input
  throw new TypeError(`a payload is a Uint8Array or a string, got ${typeof input}`)
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
