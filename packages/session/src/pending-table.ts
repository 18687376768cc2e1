import { MAX_TIMER_DELAY } from './constants.js'

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

/**
 * Pending waits keyed by request id, with ONE timer for the earliest deadline (an indexed binary min-heap), so
 * thousands of concurrent waits cost a map entry and a heap slot each, never a timer each.
 */
export class PendingTable<T> {
  readonly #byId = new Map<number, PendingWait<T>>()
  readonly #heap: PendingWait<T>[] = []
  #timer: NodeJS.Timeout | undefined
  #timerAt = Number.POSITIVE_INFINITY
  readonly #now: () => number

  constructor(now: () => number = () => performance.now()) {
    this.#now = now
  }

  get size(): number {
    return this.#byId.size
  }

  /** True while a timer is armed (for tests: no timer is left once the table is empty). */
  get timerArmed(): boolean {
    return this.#timer !== undefined
  }

  has(id: number): boolean {
    return this.#byId.has(id)
  }

  add(wait: PendingWait<T>): void {
    this.#byId.set(wait.id, wait)
    if (wait.deadline !== Number.POSITIVE_INFINITY) {
      wait.heapIndex = this.#heap.length
      this.#heap.push(wait)
      this.#up(wait.heapIndex)
      if (wait.deadline < this.#timerAt) this.#arm()
    }
  }

  /** Removes and returns the wait for `id` (the caller settles it), or undefined. */
  take(id: number): PendingWait<T> | undefined {
    const wait = this.#byId.get(id)
    if (wait === undefined) return undefined
    this.#remove(wait)
    return wait
  }

  /** Removes `wait` if it is still in the table; false when it was already taken. */
  delete(wait: PendingWait<T>): boolean {
    if (this.#byId.get(wait.id) !== wait) return false
    this.#remove(wait)
    return true
  }

  /** Takes every wait out and fails it with `error()` (one error per wait). */
  failAll(error: () => Error): void {
    const all = [...this.#byId.values()]
    this.#byId.clear()
    this.#heap.length = 0
    this.#disarm()
    for (const w of all) {
      w.heapIndex = -1
      w.fail(error())
    }
  }

  #remove(wait: PendingWait<T>): void {
    this.#byId.delete(wait.id)
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
    }
    // An armed timer that fires early for a removed root just re-arms; only an empty table must drop it.
    if (this.#heap.length === 0) this.#disarm()
  }

  #arm(): void {
    this.#disarm()
    const first = this.#heap[0]
    if (first === undefined) return
    this.#timerAt = first.deadline
    const delay = Math.min(MAX_TIMER_DELAY, Math.max(0, Math.ceil(first.deadline - this.#now())))
    this.#timer = setTimeout(this.#onTimer, delay)
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAt = Number.POSITIVE_INFINITY
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined
    this.#timerAt = Number.POSITIVE_INFINITY
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
