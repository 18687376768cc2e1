import { RESOLVED } from './microtask.js'

/**
 * The stack's one per-tick clock (frame timestamps in the transport, `receivedAt` and sealed-frame stamps in
 * the session). `Date.now()` costs 0.1–0.2 µs on this kind of VM (more than the rest of `send`), so it is read
 * at most once per `CLOCK_REUSE` calls and never reused across ticks: calls in the same synchronous run share
 * one reading, < 1 ms old (the timestamp's unit) in practice.
 */
const CLOCK_REUSE = 256

let cached = 0
let budget = 0
let armed = false

function expire(): void {
  budget = 0
  armed = false
}

/** `Date.now()`, reused for up to CLOCK_REUSE calls within the current synchronous run (tick). */
export function tickClock(): number {
  if (budget > 0) {
    budget--
    return cached
  }
  if (!armed) {
    armed = true
    RESOLVED.then(expire)
  }
  budget = CLOCK_REUSE - 1
  cached = Date.now()
  return cached
}
