/**
 * `veltix/router`: routes by message type and ordered per-connection dispatch (`Router`, `DispatchQueue`),
 * the `@handles` decorator and its registration functions, the router's errors.
 */
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_QUEUED,
  DispatchQueue,
  DispatchQueueFullError,
  declaredRoutes,
  HandlerError,
  handles,
  RouteConflictError,
  type RouteHandler,
  Router,
  RouterError,
  type RouterInit,
  type RouterStats,
  registerHandlers,
  unregisterHandlers,
} from '@veltix/router'
