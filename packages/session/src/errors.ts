import type { SendResult } from '@veltix/transport'
import { AbortError } from '@veltix/transport/internal'

/** The operation was aborted through its `AbortSignal` (the transport's class: one `AbortError` for the stack). */
export { AbortError }

/**
 * Base class of every error the session package reports. Match on the subclass (`instanceof`) or on `code`, a
 * stable string (`'VELTIX_ERR_…'`, Node's convention), never on `message`.
 */
export class SessionError extends Error {
  /** Stable across releases: one per class. */
  code: string
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SessionError'
    this.code = 'VELTIX_ERR_SESSION'
  }
}

/** The handshake could not complete (malformed HELLO / HELLO_ACK, wrong frame, wrong id in strict mode...). */
export class HandshakeError extends SessionError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'HandshakeError'
    this.code = 'VELTIX_ERR_HANDSHAKE'
  }
}

/** The peer announced a protocol version that is not exactly ours (the reference's rule: three equal integers). */
export class VersionMismatchError extends HandshakeError {
  constructor(
    readonly localVersion: string,
    readonly peerVersion: string,
  ) {
    super(`protocol version mismatch: peer announced '${peerVersion}', this side speaks '${localVersion}'`)
    this.name = 'VersionMismatchError'
    this.code = 'VELTIX_ERR_VERSION_MISMATCH'
  }
}

/**
 * Client: the server sent an ERROR frame (code 20) before the handshake, then closed: it refused this
 * connection (for example Veltix's `maxConnection`). `serverMessage` is the frame's text. Retried by the
 * `Reconnector` like any other failed attempt (the condition may clear).
 */
export class ServerRefusedError extends HandshakeError {
  constructor(readonly serverMessage: string) {
    super(`the server refused the connection: ${serverMessage === '' ? '(no reason given)' : serverMessage}`)
    this.name = 'ServerRefusedError'
    this.code = 'VELTIX_ERR_SERVER_REFUSED'
  }
}

/** The handshake did not complete within `handshakeTimeout` ms. */
export class HandshakeTimeoutError extends HandshakeError {
  constructor(readonly timeout: number) {
    super(`handshake not completed within ${timeout} ms`)
    this.name = 'HandshakeTimeoutError'
    this.code = 'VELTIX_ERR_HANDSHAKE_TIMEOUT'
  }
}

/** The peer sent more frames (or bytes) before the handshake than the session holds. */
export class PreHandshakeOverflowError extends HandshakeError {
  constructor(
    readonly frames: number,
    readonly bytes: number,
  ) {
    super(
      `peer sent ${frames} frames (${bytes} payload bytes) before completing the handshake: over the bound, closing`,
    )
    this.name = 'PreHandshakeOverflowError'
    this.code = 'VELTIX_ERR_PRE_HANDSHAKE_OVERFLOW'
  }
}

/** The connection closed while the operation was pending. */
export class ConnectionClosedError extends SessionError {
  constructor(message = 'connection closed', options?: ErrorOptions) {
    super(message, options)
    this.name = 'ConnectionClosedError'
    this.code = 'VELTIX_ERR_CONNECTION_CLOSED'
  }
}

/** The session (or reconnector) is not connected and the operation cannot be queued. */
export class NotConnectedError extends SessionError {
  constructor(message = 'not connected', options?: ErrorOptions) {
    super(message, options)
    this.name = 'NotConnectedError'
    this.code = 'VELTIX_ERR_NOT_CONNECTED'
  }
}

/** The offline queue is at its message or byte bound; the message was not queued. */
export class OfflineQueueFullError extends SessionError {
  constructor(
    readonly maxMessages: number,
    readonly maxBytes: number,
  ) {
    super(`offline queue full (bounds: ${maxMessages} messages, ${maxBytes} bytes): message not queued`)
    this.name = 'OfflineQueueFullError'
    this.code = 'VELTIX_ERR_OFFLINE_QUEUE_FULL'
  }
}

/** A caller-supplied request id is already pending on this connection. */
export class DuplicateRequestIdError extends SessionError {
  constructor(readonly requestId: number) {
    super(`request id ${requestId.toString(16).padStart(8, '0')} is already pending on this connection`)
    this.name = 'DuplicateRequestIdError'
    this.code = 'VELTIX_ERR_DUPLICATE_REQUEST_ID'
  }
}

/** The connection did not accept the frame (`'closed'` or `'overflow'`). */
export class SendRejectedError extends SessionError {
  constructor(readonly result: SendResult) {
    super(`the connection refused the frame: ${result}`)
    this.name = 'SendRejectedError'
    this.code = 'VELTIX_ERR_SEND_REJECTED'
  }
}

/** The peer stopped answering heartbeat pings. */
export class HeartbeatTimeoutError extends SessionError {
  constructor(readonly timeout: number) {
    super(`peer did not answer a heartbeat ping within ${timeout} ms`)
    this.name = 'HeartbeatTimeoutError'
    this.code = 'VELTIX_ERR_HEARTBEAT_TIMEOUT'
  }
}

/**
 * The server's `authenticate` hook refused this client (client side: the server's verdict; server side: the
 * reason the session closed). Never retried by the `Reconnector`.
 */
export class AuthenticationError extends SessionError {
  constructor(message = 'the server refused the authentication', options?: ErrorOptions) {
    super(message, options)
    this.name = 'AuthenticationError'
    this.code = 'VELTIX_ERR_AUTHENTICATION'
  }
}

export function abortError(signal: AbortSignal): AbortError {
  return new AbortError('operation aborted', { cause: signal.reason })
}
