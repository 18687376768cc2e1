import type { SessionCloseReason } from '../protocol/types.js'

/** Why a client is (or stays) disconnected. The first three are the reference's. */
export enum DisconnectReason {
  /** The server ended the connection (or its transport shut down). */
  SERVER_CLOSED = 'server_closed',
  /** A socket error: reset, refused connect, write error, overflow… (see `error`). */
  ERROR = 'error',
  /** `disconnect()` or `stopRetry()` on this side. */
  MANUAL = 'manual',
  /** The handshake failed (malformed HELLO, connection lost during it…). */
  HANDSHAKE_FAILED = 'handshake_failed',
  /** The server sent no HELLO within `handshakeTimeout`. */
  HANDSHAKE_TIMEOUT = 'handshake_timeout',
  /** The server announced another protocol version. Never retried. */
  VERSION_MISMATCH = 'version_mismatch',
  /** The server stopped answering heartbeat pings. */
  HEARTBEAT_TIMEOUT = 'heartbeat_timeout',
  /** The server sent a frame we could not decode fatally (e.g. over `maxMessageSize`), or an encrypted stream failed (tampered, replayed, reordered record: see `error`). */
  PROTOCOL_ERROR = 'protocol_error',
  /** The server's `authenticate` hook refused this client (`error` is an `AuthenticationError`). Never retried. */
  AUTH_REFUSED = 'auth_refused',
}

/**
 * Delivered on every disconnection and every failed attempt. `attempt` is the attempt that just ended:
 * 0 for the original connect (or the live connection that dropped), k for the k-th retry. `permanent` says
 * no further attempt will be made (retries exhausted, stopped, version mismatch, authentication refused, a
 * security failure of the handshake such as a wrong server key or refused encryption, or manual).
 */
export interface DisconnectState {
  permanent: boolean
  attempt: number
  retryMax: number
  reason: DisconnectReason
  error?: Error
  /** True while the client has never completed a handshake (failures of the first `connect()`). */
  initial: boolean
}

export function reasonFromClose(reason: SessionCloseReason): DisconnectReason {
  switch (reason) {
    case 'remote-end':
    case 'server-closed':
      return DisconnectReason.SERVER_CLOSED
    case 'local':
      return DisconnectReason.MANUAL
    case 'protocol-error':
      return DisconnectReason.PROTOCOL_ERROR
    case 'handshake-timeout':
      return DisconnectReason.HANDSHAKE_TIMEOUT
    case 'version-mismatch':
      return DisconnectReason.VERSION_MISMATCH
    case 'handshake-failed':
      return DisconnectReason.HANDSHAKE_FAILED
    case 'heartbeat-timeout':
      return DisconnectReason.HEARTBEAT_TIMEOUT
    case 'auth-refused':
      return DisconnectReason.AUTH_REFUSED
    default:
      return DisconnectReason.ERROR
  }
}
