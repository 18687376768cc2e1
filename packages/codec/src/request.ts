import { encodeFrame, type Frame } from './frame.js'
import type { MessageType } from './message-type.js'
import { type PayloadInput, toPayload } from './payload.js'
import { nextRequestId, requestIdToBytes, toRequestId } from './request-id.js'
import type { Response } from './response.js'

/** Options of a `Request`. */
export interface RequestInit {
  /** Exactly 4 bytes (or a u32). Generated when absent; any other length throws `InvalidRequestIdError`. */
  requestId?: Uint8Array | number
}

const EMPTY_PAYLOAD = new Uint8Array(0)

/**
 * A message to send: a type, a payload (bytes, UTF-8 text, `{ text }` or `{ json }`) and a 4-byte request id.
 */
export class Request {
  /**
   * The reply to `response`: a request of the same type carrying its request id (what `sendAndWait` on the
   * other side waits for), with `payload` (default empty).
   */
  static respond(response: Response, payload: PayloadInput = EMPTY_PAYLOAD): Request {
    return new Request(response.type, payload, { requestId: response.id })
  }

  readonly type: MessageType
  readonly payload: Uint8Array
  /** The request id as a u32 (big-endian value of the 4 bytes). */
  readonly id: number
  /** True when the id was generated here rather than given by the caller. */
  readonly generatedId: boolean

  constructor(type: MessageType, payload: PayloadInput = EMPTY_PAYLOAD, init?: RequestInit) {
    // No `init = {}` default: that would allocate an object per request on the hot path.
    const requestId = init?.requestId
    this.type = type
    this.payload = toPayload(payload)
    this.generatedId = requestId === undefined
    this.id = requestId === undefined ? nextRequestId() : toRequestId(requestId)
  }

  /** The 4 request-id bytes. */
  get requestId(): Uint8Array {
    return requestIdToBytes(this.id)
  }

  /** The frame bytes, as the reference's `Request.compile()`; `timestamp` defaults to now. */
  compile(timestamp?: number): Buffer {
    return encodeFrame({
      code: this.type.code,
      payload: this.payload,
      requestId: this.id,
      ...(timestamp === undefined ? {} : { timestamp }),
    })
  }

  /** This request as a frame to hand to a transport. */
  toFrame(timestamp = Date.now()): Frame {
    return { code: this.type.code, requestId: this.id, timestamp, payload: this.payload }
  }
}
