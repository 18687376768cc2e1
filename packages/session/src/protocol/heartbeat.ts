import { DEFAULT_HEARTBEAT_INTERVAL, MAX_TIMER_DELAY } from '../constants.js'
import { HeartbeatTimeoutError } from '../errors.js'
import type { HeartbeatInit, WaitOptions } from './types.js'

/** What a heartbeat pings (a session). */
export interface Pingable {
  readonly closed: boolean
  ping(opts?: WaitOptions): Promise<number | null>
}

/**
 * Pings every `interval` ms, one ping at a time, and calls `onTimeout` when a PONG does not come within
 * `timeout` ms (as nats.js's `Heartbeat`). Its timer never holds the event loop. @internal
 */
export class Heartbeat {
  readonly interval: number
  readonly timeout: number
  readonly #target: Pingable
  readonly #onTimeout: (error: HeartbeatTimeoutError) => void
  #timer: NodeJS.Timeout | undefined = undefined
  #busy = false

  /** The heartbeat `init` asks for (`true`: the default interval), or undefined when it is off. */
  static of(
    init: HeartbeatInit | boolean | undefined,
    target: Pingable,
    onTimeout: (error: HeartbeatTimeoutError) => void,
  ): Heartbeat | undefined {
    if (init === undefined || init === false) return undefined
    const interval = init === true ? DEFAULT_HEARTBEAT_INTERVAL : init.interval
    const timeout = init === true ? interval : (init.timeout ?? interval)
    return new Heartbeat(target, interval, timeout, onTimeout)
  }

  constructor(
    target: Pingable,
    interval: number,
    timeout: number,
    onTimeout: (error: HeartbeatTimeoutError) => void,
  ) {
    this.#target = target
    this.interval = interval
    this.timeout = timeout
    this.#onTimeout = onTimeout
  }

  start(): void {
    if (this.#timer !== undefined) return
    this.#timer = setInterval(() => this.#beat(), Math.min(this.interval, MAX_TIMER_DELAY))
    this.#timer.unref()
  }

  cancel(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  #beat(): void {
    const target = this.#target
    if (this.#busy || target.closed) return
    this.#busy = true
    target.ping({ timeout: this.timeout }).then(
      (rtt) => {
        this.#busy = false
        if (rtt === null) this.#onTimeout(new HeartbeatTimeoutError(this.timeout))
      },
      () => {
        this.#busy = false
      },
    )
  }
}
