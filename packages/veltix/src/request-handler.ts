import type { MessageType, MessageTypeRegistry, Response } from '@veltix/codec'
import { type Router, registerHandlers, unregisterHandlers } from '@veltix/router'
import { TypedMessageType, type TypedResponse } from './typed-message.js'

/** A route handler: the received message and the context (`ClientInfo` on a server, the `Client` on a client). */
export type Handler<Ctx> = (response: Response, ctx: Ctx) => unknown
/** A route handler of a typed message type: `response.data` is the decoded payload. */
export type TypedHandler<T, Ctx> = (response: TypedResponse<T>, ctx: Ctx) => unknown

/**
 * Per-message-type routes of a server or client (the reference's `request_handler`). A route beats the
 * `ON_RECV` callback. Routing a type declares it in the owner's message-type registry. A typed route
 * decodes the payload first: a payload that does not decode is reported like a throwing handler.
 */
export class RequestHandler<Ctx> {
  /** The underlying router (`veltix/router`). */
  readonly router: Router<Ctx>
  readonly #registry: MessageTypeRegistry

  /** @internal Built by `Server` and `Client`. */
  constructor(router: Router<Ctx>, registry: MessageTypeRegistry) {
    this.router = router
    this.#registry = registry
  }

  /**
   * Routes `type` to `handler`. Returns false, and changes nothing, when the type already has a route.
   * Throws `InvalidMessageTypeError` when another type with the same code but another name is declared.
   */
  registerRoute<T, R>(type: TypedMessageType<T, R>, handler: TypedHandler<T, Ctx>): boolean
  registerRoute(type: MessageType | number, handler: Handler<Ctx>): boolean
  registerRoute(type: MessageType | number, handler: Handler<Ctx> | TypedHandler<unknown, Ctx>): boolean {
    const code = typeof type === 'number' ? type : type.code
    if (this.router.hasRoute(code)) return false
    if (typeof type !== 'number') this.#registry.register(type)
    const run: Handler<Ctx> =
      type instanceof TypedMessageType
        ? (response, ctx) => (handler as TypedHandler<unknown, Ctx>)(type.decode(response), ctx)
        : (handler as Handler<Ctx>)
    return this.router.registerRoute(type, run)
  }

  /** Removes the route of `type`; false when it had none. The type stays declared. */
  unregisterRoute(type: MessageType | number): boolean {
    return this.router.unregisterRoute(type)
  }

  /**
   * Registers every `@handles(TYPE)` method of `instance` as a route (the decorator form). Throws
   * `RouteConflictError`, registering nothing, when one of the types already has a route. Returns how many
   * routes were added. Decorated handlers get the plain `Response` (decode a typed one with `TYPE.decode`).
   * Only a `MessageType` routed with `registerRoute` is declared in the registry: with
   * `unknownMessageTypes: 'drop'`, declare decorated (and numeric-code) routes' types with
   * `registerMessageType`.
   */
  registerHandlers(instance: object): number {
    return registerHandlers(this.router, instance)
  }

  /** Removes the routes `registerHandlers(instance)` added; returns how many. */
  unregisterHandlers(instance: object): number {
    return unregisterHandlers(this.router, instance)
  }

  hasRoute(type: MessageType | number): boolean {
    return this.router.hasRoute(typeof type === 'number' ? type : type.code)
  }
}
