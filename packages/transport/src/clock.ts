import { RESOLVED } from './microtask.js'

/**
 * The default frame timestamp. `Date.now()` costs 0.1–0.2 µs on this kind of VM (more than the rest of
 * `send`), so it is read at most once per `CLOCK_REUSE` frames and never reused across ticks: frames queued
 * in the same synchronous run share one reading, < 1 ms old (the timestamp's unit) in practice.
 */
const CLOCK_REUSE = 256

let cached = 0
let budget = 0
let armed = false

function expire(): void {
  budget = 0
  armed = false
}

/** `Date.now()`, reused for up to CLOCK_REUSE calls within the current tick. */
export function frameClock(): number {
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
