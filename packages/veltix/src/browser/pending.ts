// The browser client's pending waits (sendAndWait and ping): each settles exactly once, with the reply, null
// after its timeout, AbortError on abort, or the connection's end.
import { AbortError } from '../../../session/src/errors.js'
import type { Frame } from './codec.js'

/** A reply and its round trip on the monotonic clock (ms). */
export interface Reply {
  frame: Frame
  rtt: number
}

interface Wait {
  resolve(reply: Reply): void
  reject(error: Error): void
  start: number
}

export class PendingWaits {
  readonly #waits = new Map<number, Wait>()

  get size(): number {
    return this.#waits.size
  }

  has(id: number): boolean {
    return this.#waits.has(id)
  }

  /** Waits for the frame with `id`. */
  wait(id: number, timeout: number, signal: AbortSignal | undefined): Promise<Reply | null> {
    if (signal?.aborted) return Promise.reject(new AbortError('operation aborted', { cause: signal.reason }))
    return new Promise<Reply | null>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.#waits.delete(id)
      }
      const onAbort = () => {
        done()
        reject(new AbortError('operation aborted', { cause: signal?.reason }))
      }
      const timer = setTimeout(() => {
        done()
        resolve(null)
      }, timeout)
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waits.set(id, {
        start: performance.now(),
        resolve: (reply) => {
          done()
          resolve(reply)
        },
        reject: (e) => {
          done()
          reject(e)
        },
      })
    })
  }

  /** Settles the wait for `f`'s id, if any: returns its round trip, or undefined when none waited. */
  settle(f: Frame): number | undefined {
    const wait = this.#waits.get(f.requestId)
    if (wait === undefined) return undefined
    const rtt = performance.now() - wait.start
    wait.resolve({ frame: f, rtt })
    return rtt
  }

  /** Rejects one wait (its send failed). */
  reject(id: number, error: Error): void {
    this.#waits.get(id)?.reject(error)
  }

  /** Rejects every wait (the connection ended). */
  rejectAll(error: Error): void {
    for (const wait of [...this.#waits.values()]) wait.reject(error)
  }
}
