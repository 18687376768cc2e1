import { RequestIdsExhaustedError } from './errors.js'

/**
 * Request ids in a 16-bit space (the 2.x wire): a counter over `[min, max]` that wraps around and skips every
 * id still waiting for its reply, so a late reply can never be taken for a new request's. `isPending` is the
 * pending table's `has`. Unlike the reference, which hands out ids for every send, only sends that wait for a
 * reply (`sendAndWait`, `ping`) need one here; a plain send may use any id the caller gives (0 by default).
 */
export class RequestIdSpace {
  readonly min: number
  readonly max: number
  #next: number

  constructor(min: number, max: number) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max > 0xffff || min > max) {
      throw new RangeError(`request id range [${min}, ${max}] must be integers within [0, 65535]`)
    }
    this.min = min
    this.max = max
    this.#next = min
  }

  /** Ids in the space. */
  get size(): number {
    return this.max - this.min + 1
  }

  /**
   * The next id that is not pending, advancing the counter past it. Throws `RequestIdsExhaustedError` (and
   * sends nothing) when every id is pending: `pendingCount` lets it say so without scanning.
   */
  next(isPending: (id: number) => boolean, pendingCount: number): number {
    if (pendingCount >= this.size) throw new RequestIdsExhaustedError(this.min, this.max)
    let id = this.#next
    // At most `size` probes; fewer than `size` ids are pending, so one is free.
    for (let i = 0; i < this.size; i++) {
      const candidate = id
      id = id === this.max ? this.min : id + 1
      if (!isPending(candidate)) {
        this.#next = id
        return candidate
      }
    }
    throw new RequestIdsExhaustedError(this.min, this.max)
  }
}
