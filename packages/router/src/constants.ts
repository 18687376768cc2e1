/** Async handlers of one connection running at once: 1 = strict order (each waits for the previous). */
export const DEFAULT_CONCURRENCY = 1

/**
 * Messages of one connection waiting behind a busy (async) handler. Past it, a message is refused
 * (`DispatchQueueFullError` through `onOverflow`, or `onError` when `onOverflow` is not set): a peer that
 * outruns its handlers must not grow memory without bound.
 */
export const DEFAULT_MAX_QUEUED = 10_000
