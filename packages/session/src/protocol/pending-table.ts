import { MAX_TIMER_DELAY } from '../constants.js'

/** One wait in the table. Settled exactly once, by whoever takes it out of the table first. */
export interface PendingWait<T> {
  readonly id: number
  /** `performance.now()` when the request was sent. */
  readonly start: number
  /** `performance.now()` deadline; Infinity = none. */
  readonly deadline: number
  /** Called once with the reply, or with null on timeout. */
  settle(value: T | null): void
  /** Called once with the error (abort, close). */
  fail(error: Error): void
  /** Position in the deadline heap, -1 when not in it. */
  heapIndex: number
}

const defaultNow = (): number => performance.now()

/**
 * Pending waits keyed by request id, with ONE timer for the earliest deadline (an indexed binary min-heap), so
 * thousands of concurrent waits cost a map entry and a heap slot each, never a timer each.
 *
 * The timer is armed lazily: it is not cleared when the table empties (with one request in flight the table
 * empties on every reply, and `setTimeout` + `clearTimeout` per round trip cost microseconds). An idle timer is
 * unref'd (it never keeps the process alive on its own) and, when it fires with nothing due, re-arms only if a
 * wait is still pending. A new deadline re-arms it only when it is earlier than the armed one. `dispose()` (and
 * `failAll()`) clear it: nothing is left behind once the session closes. The map is created on first use.
 */
export class PendingTable<T> {
  #byId: Map<number, PendingWait<T>> | undefined
  readonly #heap: PendingWait<T>[] = []
  #timer: NodeJS.Timeout | undefined
  #timerAt = Number.POSITIVE_INFINITY
  /** Whether the timer holds the event loop (only while a wait with a deadline is pending). */
  #refed = false
  readonly #now: () => number
  /** Kept equal to `size` (the session's `stats.pendingRequests`). */
  readonly #counter: { pendingRequests: number } | undefined

  constructor(now: () => number = defaultNow, counter?: { pendingRequests: number }) {
    this.#now = now
    this.#counter = counter
  }

  get size(): number {
    return this.#byId === undefined ? 0 : this.#byId.size
  }

  /**
   * True while a timer is armed for a pending wait (for tests: none once the table is empty). An idle timer
   * left to lapse (unref'd, see the class comment) does not count; `timerScheduled` does.
   */
  get timerArmed(): boolean {
    return this.#timer !== undefined && this.#heap.length > 0
  }

  /** True while any timer exists, idle or not (for tests: false after `dispose()` / `failAll()`). */
  get timerScheduled(): boolean {
    return this.#timer !== undefined
  }

  has(id: number): boolean {
    return this.#byId?.has(id) === true
  }

  add(wait: PendingWait<T>): void {
    let byId = this.#byId
    if (byId === undefined) this.#byId = byId = new Map()
    byId.set(wait.id, wait)
    if (this.#counter !== undefined) this.#counter.pendingRequests = byId.size
    if (wait.deadline !== Number.POSITIVE_INFINITY) {
      wait.heapIndex = this.#heap.length
      this.#heap.push(wait)
      this.#up(wait.heapIndex)
      if (wait.deadline < this.#timerAt) this.#arm()
      else if (!this.#refed) {
        // The idle timer fires no later than this deadline: it only has to hold the event loop again.
        this.#refed = true
        this.#timer!.ref()
      }
    }
  }

  /** Removes and returns the wait for `id` (the caller settles it), or undefined. */
  take(id: number): PendingWait<T> | undefined {
    const wait = this.#byId?.get(id)
    if (wait === undefined) return undefined
    this.#remove(wait)
    return wait
  }

  /** Removes `wait` if it is still in the table; false when it was already taken. */
  delete(wait: PendingWait<T>): boolean {
    if (this.#byId?.get(wait.id) !== wait) return false
    this.#remove(wait)
    return true
  }

  /** Takes every wait out and fails it with `error()` (one error per wait); clears the timer. */
  failAll(error: () => Error): void {
    this.dispose()
    const byId = this.#byId
    if (byId === undefined || byId.size === 0) return
    const all = [...byId.values()]
    byId.clear()
    if (this.#counter !== undefined) this.#counter.pendingRequests = 0
    this.#heap.length = 0
    for (const w of all) {
      w.heapIndex = -1
      w.fail(error())
    }
  }

  /** Clears the timer (the table is being dropped: the session closed). */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAt = Number.POSITIVE_INFINITY
    this.#refed = false
  }

  #remove(wait: PendingWait<T>): void {
    const byId = this.#byId!
    byId.delete(wait.id)
    if (this.#counter !== undefined) this.#counter.pendingRequests = byId.size
    const i = wait.heapIndex
    if (i >= 0) {
      const last = this.#heap.pop()!
      if (last !== wait) {
        this.#heap[i] = last
        last.heapIndex = i
        this.#down(i)
        this.#up(last.heapIndex)
      }
      wait.heapIndex = -1
      // Left armed (see the class comment), but it no longer holds the event loop.
      if (this.#heap.length === 0 && this.#refed) {
        this.#refed = false
        this.#timer!.unref()
      }
    }
  }

  #arm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAt = Number.POSITIVE_INFINITY
    this.#refed = false
    const first = this.#heap[0]
    if (first === undefined) return
    this.#timerAt = first.deadline
    const delay = Math.min(MAX_TIMER_DELAY, Math.max(0, Math.ceil(first.deadline - this.#now())))
    this.#timer = setTimeout(this.#onTimer, delay)
    this.#refed = true
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined
    this.#timerAt = Number.POSITIVE_INFINITY
    this.#refed = false
    if (this.#heap.length === 0) return // idle: nothing to re-arm
    // setTimeout may fire a fraction of a ms before performance.now() reaches the deadline.
    const now = this.#now() + 1
    const expired: PendingWait<T>[] = []
    for (;;) {
      const first = this.#heap[0]
      if (first === undefined || first.deadline > now) break
      this.#remove(first)
      expired.push(first)
    }
    this.#arm()
    for (const w of expired) w.settle(null)
  }

  #up(i: number): void {
    const h = this.#heap
    const item = h[i]!
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = h[p]!
      if (parent.deadline <= item.deadline) break
      h[i] = parent
      parent.heapIndex = i
      i = p
    }
    h[i] = item
    item.heapIndex = i
  }

  #down(i: number): void {
    const h = this.#heap
    const n = h.length
    const item = h[i]!
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const c = r < n && h[r]!.deadline < h[l]!.deadline ? r : l
      const child = h[c]!
      if (child.deadline >= item.deadline) break
      h[i] = child
      child.heapIndex = i
      i = c
    }
    h[i] = item
    item.heapIndex = i
  }
}
