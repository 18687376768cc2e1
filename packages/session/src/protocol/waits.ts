import { type Frame, type MessageTypeRegistry, Response } from '@veltix/codec'
import type { SendResult } from '@veltix/transport'
import { tickClock } from '@veltix/transport/internal'
import { abortError, NotConnectedError, SendRejectedError } from '../errors.js'
import { PendingTable, type PendingWait } from './pending-table.js'

const ONCE = { once: true } as const
const noop = (): void => {}

/** What the waits update: the pending count and the last round trip (the session's stats). @internal */
export interface WaitCounters {
  pendingRequests: number
  lastRtt: number | null
}

/** Where a wait's frame goes out (the session: sealed when encrypted, counted in its stats). @internal */
export interface FrameSink {
  sendFrame(code: number, requestId: number, payload: Uint8Array): SendResult
}

/**
 * The waits of `sendAndWait` and `ping` on one session: the pending table (one timer however many waits),
 * the registry that types a reply, and the counters they update. Created on the first wait. @internal
 */
export class Waits {
  readonly table: PendingTable<Frame>
  readonly registry: MessageTypeRegistry
  readonly counters: WaitCounters

  constructor(registry: MessageTypeRegistry, counters: WaitCounters) {
    this.registry = registry
    this.counters = counters
    this.table = new PendingTable<Frame>(undefined, counters)
  }

  get size(): number {
    return this.table.size
  }

  has(id: number): boolean {
    return this.table.has(id)
  }

  /**
   * Sends one frame through `sink` and waits for the first frame with `id` (`ping`: resolves the round trip in
   * ms rather than the reply). Rejects `AbortError` on abort, the send's error when it throws (e.g.
   * `FrameTooLargeError`), `NotConnectedError` / `SendRejectedError` when the frame was not accepted.
   */
  request(
    sink: FrameSink,
    code: number,
    id: number,
    payload: Uint8Array,
    timeout: number,
    signal: AbortSignal | undefined,
    ping: boolean,
  ): Promise<Response | number | null> {
    if (signal?.aborted) return Promise.reject(abortError(signal))
    // In the table before the send: an in-memory peer may answer synchronously.
    const wait = this.open(id, timeout, ping, signal)
    let result: SendResult
    try {
      result = sink.sendFrame(code, id, payload)
    } catch (error) {
      this.cancel(wait, error instanceof Error ? error : new Error(String(error)))
      return wait.promise!
    }
    if (result !== 'ok' && result !== 'backpressure') {
      this.cancel(wait, result === 'closed' ? new NotConnectedError() : new SendRejectedError(result))
    }
    return wait.promise!
  }

  /**
   * A new wait for the first frame with `id`, in the table before its frame is sent (an in-memory peer may
   * answer synchronously). `ping`: resolve the round trip in ms rather than the reply.
   */
  open(id: number, timeout: number, ping: boolean, signal: AbortSignal | undefined): Wait {
    const wait = new Wait(this, id, timeout, ping, signal)
    wait.promise = new Promise<Response | number | null>((resolve, reject) => {
      wait.resolve = resolve
      wait.reject = reject
    })
    if (signal !== undefined) signal.addEventListener('abort', wait, ONCE)
    this.table.add(wait)
    return wait
  }

  /** The wait's frame could not be sent: it leaves the table and rejects with `error`. */
  cancel(wait: Wait, error: Error): void {
    if (this.table.delete(wait)) wait.fail(error)
  }

  /** Settles the wait for `frame`'s id, if any: true when the frame was a reply. */
  settle(frame: Frame): boolean {
    const t = this.table
    if (t.size === 0) return false
    const wait = t.take(frame.requestId)
    if (wait === undefined) return false
    wait.settle(frame)
    return true
  }

  failAll(error: () => Error): void {
    this.table.failAll(error)
  }
}

/** One wait of `sendAndWait` / `ping` (its own abort listener: no closure per wait). @internal */
export class Wait implements PendingWait<Frame> {
  heapIndex = -1
  readonly id: number
  readonly start: number
  readonly deadline: number
  readonly waits: Waits
  /** true: resolve the round trip (ping); false: the reply as a `Response`. */
  readonly ping: boolean
  readonly signal: AbortSignal | undefined
  promise: Promise<Response | number | null> | undefined = undefined
  resolve: (value: never) => void = noop
  reject: (error: Error) => void = noop

  constructor(waits: Waits, id: number, timeout: number, ping: boolean, signal: AbortSignal | undefined) {
    this.waits = waits
    this.id = id
    this.ping = ping
    this.signal = signal
    this.start = performance.now()
    this.deadline =
      timeout === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : this.start + Math.max(0, timeout)
  }

  settle(frame: Frame | null): void {
    if (this.signal !== undefined) this.signal.removeEventListener('abort', this)
    const resolve = this.resolve as (value: Response | number | null) => void
    if (frame === null) {
      resolve(null)
      return
    }
    const w = this.waits
    const rtt = performance.now() - this.start
    w.counters.lastRtt = rtt
    if (this.ping) {
      resolve(rtt)
      return
    }
    // Not copied: the payload is a view into the received chunk, as for every `Response` (see the README).
    const r = new Response(w.registry.resolve(frame.code), frame, tickClock())
    r.latency = rtt
    resolve(r)
  }

  fail(error: Error): void {
    if (this.signal !== undefined) this.signal.removeEventListener('abort', this)
    this.reject(error)
  }

  /** The signal's 'abort' event. */
  handleEvent(): void {
    if (this.waits.table.delete(this)) this.fail(abortError(this.signal!))
  }
}
