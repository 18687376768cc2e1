// One WebSocket of the browser client, and how an attempt or a connection ends.
import { DisconnectReason } from '../../../session/src/client/disconnect.js'
import type { Frame } from './codec.js'
import type { WebSocketLike } from './options.js'

/** A failure of one attempt or connection, with the reason `ON_DISCONNECT` reports. */
export class Failure {
  constructor(
    readonly reason: DisconnectReason,
    readonly error: Error,
    readonly permanent = false,
  ) {}
}

/** One WebSocket and its handshake state. */
export class Link {
  handshakeDone = false
  helloId = -1
  authPending = false
  early: Frame[] = []
  earlyBytes = 0
  timer: ReturnType<typeof setTimeout> | undefined
  failure: Failure | undefined
  settle: ((failure: Failure | undefined) => void) | undefined
  closed: (() => void) | undefined
  constructor(readonly ws: WebSocketLike) {}
}

/** What `ON_DISCONNECT` says for a close frame's code (1006: dropped without one). */
export function reasonOfClose(code: number): DisconnectReason {
  if (code === 1000 || code === 1001) return DisconnectReason.SERVER_CLOSED
  if (code === 1002 || code === 1003 || code === 1007 || code === 1009) return DisconnectReason.PROTOCOL_ERROR
  return DisconnectReason.ERROR
}
