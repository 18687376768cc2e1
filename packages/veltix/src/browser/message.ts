// Requests and responses of the browser client: the same names and behaviour as the Node ones
// (`@veltix/codec`), on Uint8Array only. Typed message types are the Node ones (../typed-message.ts), bundled
// on these classes.
import { InvalidRequestIdError } from '../../../codec/src/errors.js'
import type { MessageType } from '../../../codec/src/message-type.js'
import { decodeJson, decodeUtf8, encodeJson, encodeUtf8 } from '../../../codec/src/payload.js'
import { encodeFrame, type Frame, nextRequestId } from './codec.js'

/** A payload: bytes, a string (sent as UTF-8), `{ text }` or `{ json }` (UTF-8 JSON). */
export type PayloadInput = Uint8Array | string | { text: string } | { json: unknown }

export interface RequestInit {
  /** Exactly 4 bytes or a u32; generated when absent. */
  requestId?: Uint8Array | number
}

const EMPTY = new Uint8Array(0)

function toPayload(input: PayloadInput): Uint8Array {
  if (input instanceof Uint8Array) return input
  if (typeof input === 'string') return encodeUtf8(input)
  if (input !== null && typeof input === 'object') {
    if ('text' in input && typeof input.text === 'string') return encodeUtf8(input.text)
    if ('json' in input) return encodeJson(input.json)
  }
  throw new TypeError(`a payload is a Uint8Array, a string, { text } or { json }, got ${typeof input}`)
}

function toRequestId(id: Uint8Array | number): number {
  if (typeof id === 'number') {
    if (id >>> 0 !== id) throw new InvalidRequestIdError(`${id} is not an unsigned 32-bit integer`)
    return id
  }
  if (!(id instanceof Uint8Array) || id.length !== 4) {
    throw new InvalidRequestIdError(id instanceof Uint8Array ? `got ${id.length} bytes` : `got ${typeof id}`)
  }
  return new DataView(id.buffer, id.byteOffset, 4).getUint32(0)
}

function idBytes(id: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, id)
  return b
}

/** A message to send: a type, a payload and a 4-byte request id. */
export class Request {
  readonly type: MessageType
  readonly payload: Uint8Array
  /** The request id as a u32. */
  readonly id: number
  /** True when the id was generated here. */
  readonly generatedId: boolean

  constructor(type: MessageType, payload: PayloadInput = EMPTY, init?: RequestInit) {
    this.type = type
    this.payload = toPayload(payload)
    this.generatedId = init?.requestId === undefined
    this.id = init?.requestId === undefined ? nextRequestId() : toRequestId(init.requestId)
  }

  /** A reply to `response`: its type and request id, this payload. */
  static respond(response: Response, payload: PayloadInput = EMPTY): Request {
    return new Request(response.type, payload, { requestId: response.id })
  }

  /** The 4 request-id bytes. */
  get requestId(): Uint8Array {
    return idBytes(this.id)
  }

  /** The frame bytes; `timestamp` defaults to now. */
  compile(timestamp?: number): Uint8Array {
    return encodeFrame(this.type.code, this.id, this.payload, timestamp)
  }
}

/** A received message. */
export class Response {
  readonly type: MessageType
  /** The payload bytes. */
  readonly content: Uint8Array
  /** The sender's wall clock from the header, ms since the epoch. */
  readonly timestamp: number
  /** The request id as a u32. */
  readonly id: number
  /** Local wall-clock time of reception. */
  readonly receivedAt: number
  /** For a reply completed by `sendAndWait`: the round trip in ms (monotonic clock). */
  latency: number | undefined

  constructor(type: MessageType, frame: Frame, receivedAt = Date.now()) {
    this.type = type
    this.content = frame.payload
    this.timestamp = frame.timestamp
    this.id = frame.requestId
    this.receivedAt = receivedAt
    this.latency = undefined
  }

  /** The 4 request-id bytes (pass them as `requestId` to reply). */
  get requestId(): Uint8Array {
    return idBytes(this.id)
  }

  /** The payload as UTF-8 text; throws `PayloadDecodeError` when it is not valid UTF-8. */
  text(): string {
    return decodeUtf8(this.content)
  }

  /** The payload as UTF-8 JSON; throws `PayloadDecodeError` on invalid input. */
  json<T = unknown>(): T {
    return decodeJson<T>(this.content)
  }
}
