import type { Frame } from './frame.js'
import type { MessageType } from './message-type.js'
import { decodeJson, decodeUtf8 } from './payload.js'
import { requestIdToBytes } from './request-id.js'

/** A received message. */
export class Response {
  readonly type: MessageType
  /** The payload bytes (may be a view into the received chunk; copy it to keep it long). */
  readonly content: Uint8Array
  /** The sender's wall-clock timestamp from the header, ms since the epoch. */
  readonly timestamp: number
  /** The request id as a u32. */
  readonly id: number
  /** Local wall-clock time of reception, ms since the epoch. */
  readonly receivedAt: number
  /**
   * For a reply completed by `sendAndWait`: the real round trip in ms on the requester's monotonic clock
   * (sub-millisecond). Undefined otherwise.
   */
  latency: number | undefined

  constructor(type: MessageType, frame: Frame, receivedAt = Date.now()) {
    this.type = type
    this.content = frame.payload
    this.timestamp = frame.timestamp
    this.id = frame.requestId
    this.receivedAt = receivedAt
    this.latency = undefined
  }

  /** The 4 request-id bytes (pass them to `new Request(type, payload, { requestId })` to reply). */
  get requestId(): Uint8Array {
    return requestIdToBytes(this.id)
  }

  /** The payload as UTF-8 text; throws `PayloadDecodeError` when it is not valid UTF-8. */
  text(): string {
    return decodeUtf8(this.content)
  }

  /** The payload parsed as UTF-8 JSON; throws `PayloadDecodeError` on invalid input. */
  json<T = unknown>(): T {
    return decodeJson<T>(this.content)
  }
}
