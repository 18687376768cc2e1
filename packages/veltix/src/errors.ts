/** A `ServerConfig` / `ClientConfig` field has a wrong type or value; `field` names it. */
export class ConfigError extends TypeError {
  readonly field: string
  constructor(field: string, message: string) {
    super(`${field}: ${message}`)
    this.name = 'ConfigError'
    this.field = field
  }
}

/** `send` / `sendAndWait` / `pingClient` was given a connection this server does not hold (or none). */
export class UnknownClientError extends Error {
  constructor(message = 'that connection is not a client of this server') {
    super(message)
    this.name = 'UnknownClientError'
  }
}

/** `start()` was called on a server that is already started (or starting). */
export class ServerStateError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ServerStateError'
  }
}

/** A connection went over a per-connection limit (`limits.maxMessagesPerSecond` / `maxBytesPerSecond`) with `onLimit: 'close'`. */
export class RateLimitError extends Error {
  constructor(
    readonly limit: 'maxMessagesPerSecond' | 'maxBytesPerSecond',
    readonly value: number,
  ) {
    super(`${limit} (${value}) exceeded: connection closed`)
    this.name = 'RateLimitError'
  }
}
