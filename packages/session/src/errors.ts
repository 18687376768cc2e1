import type { SendResult } from '@veltix/transport'

/** Base class of every error the session package reports. Match on the subclass or on `.name`. */
export class SessionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SessionError'
  }
}

/** The handshake could not complete (malformed HELLO / HELLO_ACK, wrong frame, wrong id in strict mode...). */
export class HandshakeError extends SessionError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'HandshakeError'
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
  }
}

/** The handshake did not complete within `handshakeTimeout` ms. */
export class HandshakeTimeoutError extends HandshakeError {
  constructor(readonly timeout: number) {
    super(`handshake not completed within ${timeout} ms`)
    this.name = 'HandshakeTimeoutError'
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
  }
}

/** The connection closed while the operation was pending. */
export class ConnectionClosedError extends SessionError {
  constructor(message = 'connection closed', options?: ErrorOptions) {
    super(message, options)
    this.name = 'ConnectionClosedError'
  }
}

/** The operation was aborted through its `AbortSignal`. `cause` is the signal's reason. */
export class AbortError extends SessionError {
  constructor(message = 'operation aborted', options?: ErrorOptions) {
    super(message, options)
    this.name = 'AbortError'
  }
}

/** The session (or reconnector) is not connected and the operation cannot be queued. */
export class NotConnectedError extends SessionError {
  constructor(message = 'not connected', options?: ErrorOptions) {
    super(message, options)
    this.name = 'NotConnectedError'
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
  }
}

/** A caller-supplied request id is already pending on this connection. */
export class DuplicateRequestIdError extends SessionError {
  constructor(readonly requestId: number) {
    super(`request id ${requestId.toString(16).padStart(8, '0')} is already pending on this connection`)
    this.name = 'DuplicateRequestIdError'
  }
}

/** The connection did not accept the frame (`'closed'` or `'overflow'`). */
export class SendRejectedError extends SessionError {
  constructor(readonly result: SendResult) {
    super(`the connection refused the frame: ${result}`)
    this.name = 'SendRejectedError'
  }
}

/** The peer stopped answering heartbeat pings. */
export class HeartbeatTimeoutError extends SessionError {
  constructor(readonly timeout: number) {
    super(`peer did not answer a heartbeat ping within ${timeout} ms`)
    this.name = 'HeartbeatTimeoutError'
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
  }
}

export function abortError(signal: AbortSignal): AbortError {
  return new AbortError('operation aborted', { cause: signal.reason })
}
