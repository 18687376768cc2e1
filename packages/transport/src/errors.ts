/**
 * Base class of the transport's errors. Match on the subclass (`instanceof`) or on the stable string `code`
 * (`'VELTIX_ERR_…'`, Node's convention; it never changes between releases), not on the message.
 */
export class TransportError extends Error {
  /** Stable identifier of the condition (one per class). */
  readonly code: string = 'VELTIX_ERR_TRANSPORT'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'TransportError'
  }
}

/**
 * `connect()` failed. `causeCode` is the errno (`ECONNREFUSED`, `ETIMEDOUT` for our own timeout, …); the
 * socket's error, when there was one, is the `cause`.
 */
export class ConnectError extends TransportError {
  override readonly code: string = 'VELTIX_ERR_CONNECT'
  /** The errno (or, for `TlsError`, node:tls's code) of the failure underneath. */
  readonly causeCode: string
  readonly host: string
  readonly port: number
  constructor(host: string, port: number, causeCode: string, options?: ErrorOptions) {
    super(`cannot connect to ${host}:${port}: ${causeCode}`, options)
    this.name = 'ConnectError'
    this.causeCode = causeCode
    this.host = host
    this.port = port
  }
}

/** An operation was aborted through its `AbortSignal`. */
export class AbortError extends TransportError {
  override readonly code = 'VELTIX_ERR_ABORTED'
  constructor(message = 'the operation was aborted', options?: ErrorOptions) {
    super(message, options)
    this.name = 'AbortError'
  }
}

/** A send would take the connection's outbound queue over `maxQueuedBytes` (the peer is not reading). */
export class OverflowError extends TransportError {
  override readonly code = 'VELTIX_ERR_OVERFLOW'
  constructor(
    readonly queued: number,
    readonly frameBytes: number,
    readonly limit: number,
  ) {
    super(
      `outbound queue overflow: ${queued} bytes queued + ${frameBytes} would exceed maxQueuedBytes ${limit} (the peer is not reading)`,
    )
    this.name = 'OverflowError'
  }
}

/** The server was at `maxConnection`: the connection was told so and closed. */
export class MaxConnectionsError extends TransportError {
  override readonly code = 'VELTIX_ERR_MAX_CONNECTIONS'
  constructor(readonly limit: number) {
    super(`server full: maxConnection ${limit} reached`)
    this.name = 'MaxConnectionsError'
  }
}

/** A listen/close was asked of a server transport in the wrong state (e.g. `listen()` twice, or after `close()`). */
export class TransportStateError extends TransportError {
  override readonly code = 'VELTIX_ERR_TRANSPORT_STATE'
  constructor(message: string) {
    super(message)
    this.name = 'TransportStateError'
  }
}

/** A worker thread of the worker core failed; the connections it served are closed with this error. */
export class WorkerCrashError extends TransportError {
  override readonly code = 'VELTIX_ERR_WORKER_CRASH'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'WorkerCrashError'
  }
}

/** `listen()` failed: `causeCode` is the errno (`EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`, …). */
export class ListenError extends TransportError {
  override readonly code = 'VELTIX_ERR_LISTEN'
  /** The errno of the failure underneath (the socket's error is the `cause`). */
  readonly causeCode: string
  constructor(host: string, port: number, causeCode: string, options?: ErrorOptions) {
    super(`cannot listen on ${host}:${port}: ${causeCode}`, options)
    this.name = 'ListenError'
    this.causeCode = causeCode
  }
}

/**
 * `connect()` reached the server but the TLS handshake failed: `causeCode` is Node's TLS error code, e.g.
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE` / `SELF_SIGNED_CERT_IN_CHAIN` (certificate not trusted: give `tls.ca`),
 * `ERR_TLS_CERT_ALTNAME_INVALID` (certificate does not name `servername`/`host`), `CERT_HAS_EXPIRED`,
 * `ECONNRESET` (the server dropped the handshake, e.g. it wants a client certificate). A `ConnectError`.
 */
export class TlsError extends ConnectError {
  override readonly code = 'VELTIX_ERR_TLS'
  constructor(host: string, port: number, causeCode: string, options?: ErrorOptions) {
    super(host, port, causeCode, options)
    const detail = options?.cause instanceof Error ? ` (${options.cause.message})` : ''
    this.message = `TLS handshake with ${host}:${port} failed: ${causeCode}${detail}`
    this.name = 'TlsError'
  }
}
