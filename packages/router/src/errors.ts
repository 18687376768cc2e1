/** Base class of the router's errors. */
export class RouterError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'RouterError'
  }
}

/** A handler threw or rejected. `cause` is what it threw; `code` the message type code. */
export class HandlerError extends RouterError {
  constructor(
    readonly code: number,
    readonly typeName: string,
    cause: unknown,
  ) {
    super(
      `handler for ${typeName}(${code}) failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    )
    this.name = 'HandlerError'
  }
}

/** A connection's dispatch queue is at `maxQueued`; the message was not dispatched. */
export class DispatchQueueFullError extends RouterError {
  constructor(
    readonly code: number,
    readonly maxQueued: number,
  ) {
    super(`dispatch queue full (${maxQueued} messages waiting): message of type ${code} not dispatched`)
    this.name = 'DispatchQueueFullError'
  }
}

/** `registerHandlers` found a type that already has a route. Nothing was registered. */
export class RouteConflictError extends RouterError {
  constructor(readonly code: number) {
    super(`message type ${code} already has a route`)
    this.name = 'RouteConflictError'
  }
}
