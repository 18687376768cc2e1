import { RESOLVED } from '../microtask.js'

/** A connection with queued frames to hand to its socket. */
export interface Flushable {
  /** Runs the flush asked for by `scheduleFlush`. */
  scheduledFlush(): void
}

// Connections whose queued frames are flushed at the end of this tick (or on the next immediate): one
// microtask for all of them rather than one each. Node's `queueMicrotask` makes an AsyncResource per call,
// and a closure per connection and tick was one more allocation: with many busy connections that showed.
let dueNow: Flushable[] = []
let dueImmediate: Flushable[] = []

export function scheduleFlush(conn: Flushable, onImmediate: boolean): void {
  if (onImmediate) {
    if (dueImmediate.push(conn) === 1) setImmediate(flushDueImmediate)
  } else if (dueNow.push(conn) === 1) RESOLVED.then(flushDueNow)
}
function flushDueNow(): void {
  const due = dueNow
  dueNow = []
  flushDue(due)
}
function flushDueImmediate(): void {
  const due = dueImmediate
  dueImmediate = []
  flushDue(due)
}
function flushDue(due: Flushable[]): void {
  let i = 0
  try {
    for (; i < due.length; i++) due[i]!.scheduledFlush()
  } finally {
    // One that threw does not cost the others their flush: they get it in a microtask of their own.
    if (i < due.length - 1) {
      const rest = due.slice(i + 1)
      queueMicrotask(() => flushDue(rest))
    }
  }
}
