/**
 * @packageDocumentation
 * `@veltix/transport/internal`: what the stack's own packages (session, veltix, websocket …) share with the
 * transport but users do not need: the one per-tick clock and the one resolved-promise microtask helper.
 * Not part of the public API: no semver promise, may change in any release. A subpath of its own (rather
 * than `@internal` members of the main index) because the published `.d.ts` of the main index strips
 * `@internal` declarations, and the stack's packages typecheck against the published declarations.
 */
export { tickClock } from './clock.js'
export { RESOLVED } from './microtask.js'
