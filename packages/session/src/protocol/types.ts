import type { CloseReason } from '@veltix/transport'

/** Server: strict (default) = the completing frame must be a HELLO_ACK with a compatible version; lenient = any frame with the HELLO id (the reference). */
export type HandshakeMode = 'strict' | 'lenient'

/** Why a session closed: the transport's reason, or one of the session's own. */
export type SessionCloseReason =
  | CloseReason
  | 'handshake-timeout'
  | 'version-mismatch'
  | 'handshake-failed'
  | 'heartbeat-timeout'
  /** The server's `authenticate` hook refused the client (both sides report it). */
  | 'auth-refused'

export interface SessionCloseInfo {
  reason: SessionCloseReason
  error?: Error
  /** Whether the handshake had completed before the close. */
  handshakeDone: boolean
}

export interface HeartbeatInit {
  /** ms between pings. */
  interval: number
  /** ms to wait for each PONG before closing with 'heartbeat-timeout'; default `interval`. */
  timeout?: number
}

export interface SessionStats {
  /** Every frame received / sent, system frames included. */
  messagesIn: number
  messagesOut: number
  /** Of those, system frames (codes 0–199: HELLO, HELLO_ACK, PING, PONG, AUTH, ...). */
  systemIn: number
  systemOut: number
  /** Header + payload bytes. */
  bytesIn: number
  bytesOut: number
  /** Application frames handed to `onMessage`. */
  delivered: number
  pendingRequests: number
  /** Last measured round trip (ping or sendAndWait) in ms. */
  lastRtt: number | null
  droppedFrames: {
    /** Reported by the transport: bad CRC. */
    checksum: number
    /** Reported by the transport: code not in the registry. */
    unknownType: number
    /** Other decode errors reported by the transport. */
    other: number
    /** PONG with no ping waiting (late or unsolicited). */
    unsolicitedPong: number
    /** HELLO / HELLO_ACK after the handshake, or a stray HELLO_ACK in lenient mode. */
    handshake: number
  }
}

export interface WaitOptions {
  /** ms; `Infinity` = no timeout. */
  timeout?: number
  signal?: AbortSignal
}
