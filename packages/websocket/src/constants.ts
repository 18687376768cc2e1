/**
 * WebSocket close codes this package sends (RFC 6455 §7.4.1). A Veltix client reads them to tell the causes
 * apart; each bad-input error carries its own as `closeCode`.
 */
export const CloseCode = {
  /** `close()` on this side, or a refusal by a server limit after its ERROR frame (as on TCP). */
  NORMAL: 1000,
  /** The server is shutting down (`closeAll()`). */
  GOING_AWAY: 1001,
  /** A WebSocket protocol violation (bad opcode, unmasked client frame…), found by `ws`. */
  PROTOCOL_ERROR: 1002,
  /** A text message: Veltix frames travel in binary messages only. */
  UNSUPPORTED_DATA: 1003,
  /** A binary message that is not exactly one Veltix frame, or a frame whose CRC-32 does not match. */
  INVALID_PAYLOAD: 1007,
  /** The page's `Origin` is not in `allowedOrigins`. */
  POLICY_VIOLATION: 1008,
  /** A message over `maxPayload`, or a frame over the server's `maxMessageSize`. */
  MESSAGE_TOO_BIG: 1009,
} as const

/**
 * After a graceful close has sent its close frame, how long (ms) to wait for the peer's before dropping the
 * socket: the transport's constant (2000 ms), so a TCP and a WebSocket connection close alike.
 */
export { DEFAULT_CLOSE_TIMEOUT } from '@veltix/transport'

/**
 * Outbound coalescing: frames queued in one tick go out in one corked write; past this many queued bytes
 * they are written at once (the transport's BALANCED threshold).
 */
export const FLUSH_THRESHOLD = 64 * 1024

/** Frames from this size get a buffer of their own (WebSocket header + frame) instead of a place in the tick's slab. */
export const LARGE_FRAME = FLUSH_THRESHOLD >>> 1

/** Status of the HTTP answer to a plain (non-upgrade) request on a port this package owns. */
export const UPGRADE_REQUIRED = 426
