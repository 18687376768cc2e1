// `RESOLVED.then` queues a microtask without the AsyncResource and bound function of Node's `queueMicrotask`.
export const RESOLVED: Promise<void> = Promise.resolve()

/**
 * `receivedAt` of delivered messages and the timestamp of sealed frames: one `Date.now()` per I/O callback or
 * synchronous run (every frame decoded from one read, or sent in one burst, shares it), dropped by a microtask
 * once that run returns. A received frame is stamped with the time its chunk began to be processed, which is
 * the time it was received to within the handlers' own run time.
 */
let clockNow = 0
let clockValid = false
const clockReset = (): void => {
  clockValid = false
}
export function tickClock(): number {
  if (!clockValid) {
    clockNow = Date.now()
    clockValid = true
    RESOLVED.then(clockReset)
  }
  return clockNow
}
