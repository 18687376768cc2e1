import type { Frame } from './frame.js'
import type { MessageType } from './message-type.js'
import { decodeJson, decodeUtf8 } from './payload.js'
import { requestIdToBytes } from './request-id.js'

const NULL_FRAME = { code: 0, requestId: null, timestamp: null, payload: null } as unknown as Frame
const shaped: unknown[] = [NULL_FRAME]

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

  static {
    // V8 stores a number field that has only ever held numbers as a "double" field: every object then gets a
    // heap box of its own for it (one more allocation per message and field). A first instance holding null
    // makes these fields tagged, so a Response shares the frame's timestamp box and the batch clock's box.
    // It is kept alive: V8 may forget the field layout of a shape no live object has.
    shaped.push(new Response(null as unknown as MessageType, NULL_FRAME, null as unknown as number))
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
