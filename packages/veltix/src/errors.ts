/**
 * A `ServerConfig` / `ClientConfig` field has a wrong type or value, or is not an option at all; `field`
 * names it. `code`: `'VELTIX_ERR_CONFIG'` (the subclasses below have their own).
 */
export class ConfigError extends TypeError {
  readonly field: string
  readonly code: string
  constructor(field: string, message: string, code = 'VELTIX_ERR_CONFIG') {
    super(`${field}: ${message}`)
    this.name = 'ConfigError'
    this.field = field
    this.code = code
  }
}

/**
 * `new Server({...})` / `new Client({...})` was given a key that is not one of its options (a typo, an
 * option of the other side, or of a release this one does not know): nothing is silently ignored.
 * `suggestion` is the nearest known key, when there is one. `code`: `'VELTIX_ERR_UNKNOWN_OPTION'`.
 */
export class UnknownOptionError extends ConfigError {
  readonly suggestion: string | undefined
  constructor(field: string, message: string, suggestion: string | undefined) {
    super(field, message, 'VELTIX_ERR_UNKNOWN_OPTION')
    this.name = 'UnknownOptionError'
    this.suggestion = suggestion
  }
}

/**
 * A reserved option (accepted by a later release, or by a package not installed or not landed yet) was
 * given a value; `providedBy` says where it comes from. `code`: `'VELTIX_ERR_OPTION_UNAVAILABLE'`.
 */
export class UnavailableOptionError extends ConfigError {
  readonly providedBy: string
  constructor(field: string, message: string, providedBy: string) {
    super(field, message, 'VELTIX_ERR_OPTION_UNAVAILABLE')
    this.name = 'UnavailableOptionError'
    this.providedBy = providedBy
  }
}

/** `send` / `sendAndWait` / `pingClient` was given a connection this server does not hold (or none). */
export class UnknownClientError extends Error {
  readonly code = 'VELTIX_ERR_UNKNOWN_CLIENT'
  constructor(message = 'that connection is not a client of this server') {
    super(message)
    this.name = 'UnknownClientError'
  }
}

/** `start()` was called on a server that is already started (or starting). */
export class ServerStateError extends Error {
  readonly code = 'VELTIX_ERR_SERVER_STATE'
  constructor(message: string) {
    super(message)
    this.name = 'ServerStateError'
  }
}

/** A connection went over a per-connection limit (`limits.maxMessagesPerSecond` / `maxBytesPerSecond`) with `onLimit: 'close'`. */
export class RateLimitError extends Error {
  readonly code = 'VELTIX_ERR_RATE_LIMIT'
  constructor(
    readonly limit: 'maxMessagesPerSecond' | 'maxBytesPerSecond',
    readonly value: number,
  ) {
    super(`${limit} (${value}) exceeded: connection closed`)
    this.name = 'RateLimitError'
  }
}
