/**
 * @packageDocumentation
 * The Veltix router: per-message-type routes, a general receive callback, ordered per-connection dispatch
 * of sync and async handlers (with an optional concurrency limit), unhandled types reported once, handler
 * failures isolated, and a standard-decorator form for class-based handlers.
 *
 * @example
 * ```ts
 * import { MessageType, Response } from '@veltix/codec'
 * import { Router, handles, registerHandlers } from '@veltix/router'
 *
 * const CHAT = new MessageType(200, 'chat')
 * const router = new Router<string>({ onError: (err, res, peer) => console.error(peer, res.type.code, err) })
 * router.route(CHAT, (res, peer) => console.log(`${peer}: ${res.text()}`))   // true
 * router.route(CHAT, () => {})                                                 // false: CHAT has a route
 * router.setReceiveCallback(async (res, peer) => { await save(peer, res) })   // types without a route
 *
 * class Admin {
 *   @handles(300) kick(res: Response, peer: string) { ... }
 * }
 * registerHandlers(router, new Admin())
 *
 * const queue = router.createQueue()             // one per connection
 * router.dispatch(queue, response, '10.0.0.7:51234')
 * ```
 */
export { DEFAULT_CONCURRENCY, DEFAULT_MAX_QUEUED } from './constants.js'
export { declaredRoutes, handles, registerHandlers, unregisterHandlers } from './decorators.js'
export { DispatchQueueFullError, HandlerError, RouteConflictError, RouterError } from './errors.js'
export {
  DispatchQueue,
  type RouteHandler,
  Router,
  type RouterInit,
  type RouterStats,
} from './router.js'
