/** Base class of the transport's errors. Match on the subclass or on `.name`. */
export class TransportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'TransportError'
  }
}

/** `connect()` failed: `code` is the errno (`ECONNREFUSED`, `ETIMEDOUT` for our timeout, …). */
export class ConnectError extends TransportError {
  readonly code: string
  readonly host: string
  readonly port: number
  constructor(host: string, port: number, code: string, options?: ErrorOptions) {
    super(`cannot connect to ${host}:${port}: ${code}`, options)
    this.name = 'ConnectError'
    this.code = code
    this.host = host
    this.port = port
  }
}

/** An operation was aborted through its `AbortSignal`. */
export class AbortError extends TransportError {
  constructor(message = 'the operation was aborted', options?: ErrorOptions) {
    super(message, options)
    this.name = 'AbortError'
  }
}

/** A send would take the connection's outbound queue over `maxQueuedBytes` (the peer is not reading). */
export class OverflowError extends TransportError {
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
  constructor(readonly limit: number) {
    super(`server full: maxConnection ${limit} reached`)
    this.name = 'MaxConnectionsError'
  }
}

/** A listen/close was asked of a server transport in the wrong state (e.g. `listen()` twice, or after `close()`). */
export class TransportStateError extends TransportError {
  constructor(message: string) {
    super(message)
    this.name = 'TransportStateError'
  }
}

/** A worker thread of the worker core failed; the connections it served are closed with this error. */
export class WorkerCrashError extends TransportError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'WorkerCrashError'
  }
}

/** `listen()` failed: `code` is the errno (`EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`, …). */
export class ListenError extends TransportError {
  readonly code: string
  constructor(host: string, port: number, code: string, options?: ErrorOptions) {
    super(`cannot listen on ${host}:${port}: ${code}`, options)
    this.name = 'ListenError'
    this.code = code
  }
}

/**
 * `connect()` reached the server but the TLS handshake failed: `code` is Node's TLS error code, e.g.
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE` / `SELF_SIGNED_CERT_IN_CHAIN` (certificate not trusted: give `tls.ca`),
 * `ERR_TLS_CERT_ALTNAME_INVALID` (certificate does not name `servername`/`host`), `CERT_HAS_EXPIRED`,
 * `ECONNRESET` (the server dropped the handshake, e.g. it wants a client certificate). A `ConnectError`.
 */
export class TlsError extends ConnectError {
  constructor(host: string, port: number, code: string, options?: ErrorOptions) {
    super(host, port, code, options)
    const detail = options?.cause instanceof Error ? ` (${options.cause.message})` : ''
    this.message = `TLS handshake with ${host}:${port} failed: ${code}${detail}`
    this.name = 'TlsError'
  }
}
