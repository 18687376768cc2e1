/**
 * @packageDocumentation
 * `@veltix/transport/internal`: what the stack's own packages (session, veltix, websocket …) share with the
 * transport but users do not need: the one per-tick clock, the one resolved-promise microtask helper, and the
 * refusal ERROR frame for writers of raw sockets (`encodeRefusal`; on a `Connection`, use `refuseConnection`).
 * Not part of the public API: no semver promise, may change in any release. A subpath of its own (rather
 * than members of the main index tagged internal) because the published `.d.ts` of the main index strips
 * those declarations (stripInternal), and the stack's packages typecheck against the published declarations.
 */
export { tickClock } from './clock.js'
// The stack's one AbortError, from a module free of node:net (the session's errors, bundled for browsers, re-export it).
export { AbortError } from './errors.js'
export { RESOLVED } from './microtask.js'
export { encodeRefusal } from './refusal.js'
