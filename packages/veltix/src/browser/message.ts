// The browser client's Request: the Node one's names and behaviour, built on Uint8Array (the Node one
// compiles to a Buffer). Responses, request ids and typed message types are the Node modules themselves,
// bundled (see tsup.browser.config.ts).
import type { MessageType } from '../../../codec/src/message-type.js'
import { encodeJson, encodeUtf8 } from '../../../codec/src/payload.js'
import { nextRequestId, requestIdToBytes, toRequestId } from '../../../codec/src/request-id.js'
import type { Response } from '../../../codec/src/response.js'
import { encodeFrame } from './codec.js'

export { Response } from '../../../codec/src/response.js'

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
    return requestIdToBytes(this.id)
  }

  /** The frame bytes; `timestamp` defaults to now. */
  compile(timestamp?: number): Uint8Array {
    return encodeFrame(this.type.code, this.id, this.payload, timestamp)
  }
}
