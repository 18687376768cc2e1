/**
 * The stack's one resolved promise: `RESOLVED.then(fn)` queues `fn` as a microtask without the AsyncResource
 * and bound function that Node's `queueMicrotask` makes on every call (about half its cost). For internal
 * callbacks on the per-tick paths (flush, the tick clock, the session's end-of-tick work); a throw in `fn`
 * surfaces as an unhandled rejection, as an uncaught exception would.
 */
export const RESOLVED: Promise<void> = Promise.resolve()
