/**
 * Base class of the router's errors. Match on the subclass (`instanceof`) or on the stable string `code`
 * (`'VELTIX_ERR_…'`, Node's convention; it never changes between releases), not on the message.
 */
export class RouterError extends Error {
  /** Stable identifier of the condition (one per class). */
  readonly code: string = 'VELTIX_ERR_ROUTER'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'RouterError'
  }
}

/** A handler threw or rejected. `cause` is what it threw; `messageCode` the message type code. */
export class HandlerError extends RouterError {
  override readonly code = 'VELTIX_ERR_HANDLER'
  constructor(
    readonly messageCode: number,
    readonly typeName: string,
    cause: unknown,
  ) {
    super(
      `handler for ${typeName}(${messageCode}) failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    )
    this.name = 'HandlerError'
  }
}

/** A connection's dispatch queue is at `maxQueued`; the message (type `messageCode`) was not dispatched. */
export class DispatchQueueFullError extends RouterError {
  override readonly code = 'VELTIX_ERR_DISPATCH_QUEUE_FULL'
  constructor(
    readonly messageCode: number,
    readonly maxQueued: number,
  ) {
    super(
      `dispatch queue full (${maxQueued} messages waiting): message of type ${messageCode} not dispatched`,
    )
    this.name = 'DispatchQueueFullError'
  }
}

/** `registerHandlers` found a type (`messageCode`) that already has a route. Nothing was registered. */
export class RouteConflictError extends RouterError {
  override readonly code = 'VELTIX_ERR_ROUTE_CONFLICT'
  constructor(readonly messageCode: number) {
    super(`message type ${messageCode} already has a route`)
    this.name = 'RouteConflictError'
  }
}
