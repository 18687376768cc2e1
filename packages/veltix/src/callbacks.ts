import type { LoggerLike } from '@veltix/logger'

/**
 * Runs a user callback so that nothing it does can hurt the caller: a throw or a rejected promise is
 * logged (with `what`) and swallowed.
 */
export function invoke<A extends unknown[]>(
  logger: LoggerLike,
  what: string,
  fn: ((...args: A) => unknown) | undefined,
  ...args: A
): void {
  if (fn === undefined) return
  try {
    const out = fn(...args)
    if (out !== null && typeof out === 'object' && typeof (out as Promise<unknown>).then === 'function') {
      ;(out as Promise<unknown>).then(undefined, (error: unknown) => report(logger, what, error))
    }
  } catch (error) {
    report(logger, what, error)
  }
}

export function report(logger: LoggerLike, what: string, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error))
  logger.error(`${what} failed: ${err.name}: ${err.message}`, { error: err.stack ?? err.message })
}

/**
 * The subscribers of one event (internal): the `setCallback` slot, then every `onX` listener in the order
 * added. `list` is rebuilt on each change and never mutated, so emitting allocates nothing and a listener
 * that unsubscribes (or subscribes) while the event runs changes only the next emission.
 */
export class Subscribers<A extends unknown[]> {
  #slot: ((...args: A) => unknown) | undefined = undefined
  #listeners: ((...args: A) => unknown)[] = []
  /** Slot first, then the listeners; the shared empty array when there are none. */
  list: readonly ((...args: A) => unknown)[] = NONE
  readonly #changed: (() => void) | undefined

  constructor(changed?: () => void) {
    this.#changed = changed
  }

  /** `setCallback`: replaces the slot (undefined clears it); the listeners stay. */
  set(fn: ((...args: A) => unknown) | undefined): void {
    this.#slot = fn
    this.#rebuild()
  }

  /** `onX`: adds a listener; the returned function removes it (once; later calls do nothing). */
  add(fn: (...args: A) => unknown): () => void {
    if (typeof fn !== 'function') throw new TypeError(`a listener is a function, got ${typeof fn}`)
    // A wrapper per subscription: the same function added twice is two subscriptions, removed one at a time.
    const entry = (...args: A): unknown => fn(...args)
    this.#listeners = [...this.#listeners, entry]
    this.#rebuild()
    return () => {
      const i = this.#listeners.indexOf(entry)
      if (i === -1) return
      this.#listeners = this.#listeners.filter((l) => l !== entry)
      this.#rebuild()
    }
  }

  /** Calls every subscriber through `invoke`: one that throws or rejects is logged and the others still run. */
  emit(logger: LoggerLike, what: string, ...args: A): void {
    const list = this.list
    for (let i = 0; i < list.length; i++) invoke(logger, what, list[i], ...args)
  }

  #rebuild(): void {
    const slot = this.#slot
    const l = this.#listeners
    this.list = slot === undefined ? (l.length === 0 ? NONE : l) : [slot, ...l]
    this.#changed?.()
  }
}

const NONE: readonly never[] = Object.freeze([])

/**
 * One function calling every `fns` in order, for a caller that takes a single handler (the router's receive
 * callback): each runs even when one before it throws; the first error is rethrown once all have run (the
 * caller reports it), and when some return promises, the result settles after all of them (so ordered
 * dispatch still waits for async subscribers).
 */
export function fanOut<A extends unknown[]>(
  fns: readonly ((...args: A) => unknown)[],
): (...args: A) => unknown {
  if (fns.length === 1) return fns[0]!
  return (...args: A): unknown => {
    let pending: PromiseLike<unknown>[] | undefined
    let failed = false
    let first: unknown
    for (const fn of fns) {
      try {
        const r = fn(...args)
        if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') {
          pending ??= []
          pending.push(r as PromiseLike<unknown>)
        }
      } catch (error) {
        if (!failed) {
          failed = true
          first = error
        }
      }
    }
    if (pending === undefined) {
      if (failed) throw first
      return undefined
    }
    return Promise.allSettled(pending).then((results) => {
      if (failed) throw first
      for (const r of results) if (r.status === 'rejected') throw r.reason
    })
  }
}
