import type { Request, Response } from '@veltix/codec'
import { type LoggerLike, noopLogger } from '@veltix/logger'
import type { ClientTransportInit, Connection } from '@veltix/transport'
import {
  DEFAULT_BACKOFF_FACTOR,
  DEFAULT_BACKOFF_JITTER,
  DEFAULT_BACKOFF_MAX_DELAY,
  DEFAULT_RETRY,
  DEFAULT_RETRY_DELAY,
  MAX_TIMER_DELAY,
} from '../constants.js'
import { AbortError, abortError, NotConnectedError, SessionError } from '../errors.js'
import { Session, type SessionInit } from '../protocol/session.js'
import type { SessionCloseInfo, WaitOptions } from '../protocol/types.js'
import { SecureError } from '../secure/errors.js'
import { DisconnectReason, type DisconnectState, reasonFromClose } from './disconnect.js'
import { OfflineQueue, type OfflineQueueInit } from './offline-queue.js'

/** Opens one transport connection (TCP connected, no handshake yet). Must honour `signal`. */
export type Dialer = (signal: AbortSignal) => Promise<Connection>

export interface BackoffInit {
  /** Delay multiplier per attempt; default DEFAULT_BACKOFF_FACTOR (2). */
  factor?: number
  /** Cap in ms; default DEFAULT_BACKOFF_MAX_DELAY (30 000). */
  maxDelay?: number
  /** 0–1: each delay is reduced by up to this fraction at random; default DEFAULT_BACKOFF_JITTER (0.2). */
  jitter?: number
}

/** Session options applied to every session the reconnector creates. */
export type ReconnectorSessionInit = Omit<
  SessionInit,
  'connection' | 'role' | 'onReady' | 'onMessage' | 'onClose' | 'onError'
>

export interface ReconnectorInit {
  /** How to open a connection. Default: `connect({ ...transport, signal })` from `@veltix/transport`. */
  dial?: Dialer
  /** Used by the default dialer. One of `dial` / `transport` is required. */
  transport?: ClientTransportInit
  session?: ReconnectorSessionInit
  /** Retries after a failure or a lost connection (0 = none, -1 = forever). Default DEFAULT_RETRY (0). */
  retry?: number
  /** ms before each retry (the base delay with backoff). Default DEFAULT_RETRY_DELAY (1000). */
  retryDelay?: number
  /** Exponential backoff with jitter and a cap; default off (constant `retryDelay`). `true` = defaults. */
  backoff?: BackoffInit | boolean
  /** Bounds of the offline queue, or false to refuse sends while disconnected with NotConnectedError. Default: queue with the default bounds. */
  offlineQueue?: OfflineQueueInit | false
  logger?: LoggerLike
  /** Each completed handshake, the first and every reconnect; the offline queue is already flushed. */
  onConnect?(session: Session, reconnected: boolean): void
  /** Every disconnection and every failed attempt. */
  onDisconnect?(state: DisconnectState): void
  /** Application messages of whichever session is current. */
  onMessage?(response: Response, session: Session): void
  /** Non-fatal problems (dropped frames, a flush the connection refused, messages left unsent). */
  onError?(error: Error): void
}

/** `idle`: never connected or after `disconnect()`; `stopped`: gave up (retries exhausted / stopped). */
export type ReconnectorState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'stopped'

class AttemptFailure {
  constructor(
    readonly reason: DisconnectReason,
    readonly error: Error,
  ) {}
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal))
      return
    }
    const onAbort = () => {
      clearTimeout(t)
      reject(abortError(signal))
    }
    const t = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      },
      Math.min(ms, MAX_TIMER_DELAY),
    )
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * The client side's connection owner: dials, runs the handshake, and replaces the `Session` underneath when the
 * connection is lost, while the app-facing object (this one) stays. Sends made while a reconnect is pending
 * go to a bounded offline queue that is flushed after the next handshake.
 */
export class Reconnector {
  readonly offlineQueue: OfflineQueue | undefined
  readonly #init: ReconnectorInit
  readonly #dial: Dialer
  readonly #log: LoggerLike
  #retryMax: number
  readonly #retryDelay: number
  readonly #backoff: Required<BackoffInit> | undefined
  #session: Session | undefined
  #state: ReconnectorState = 'idle'
  #everConnected = false
  #stopped = false
  #manual = false
  #loop: Promise<Session> | undefined
  #loopAbort: AbortController | undefined
  #sleepAbort: AbortController | undefined
  #attempt = 0
  #hooks: Pick<SessionInit, 'onReady' | 'onMessage' | 'onClose' | 'onError'> | undefined

  constructor(init: ReconnectorInit) {
    this.#init = init
    if (init.dial !== undefined) {
      this.#dial = init.dial
    } else if (init.transport !== undefined) {
      const transport = init.transport
      this.#dial = async (signal) => {
        // Loaded on first use so this package's Session works without the transport's runtime.
        const mod = (await import('@veltix/transport')) as unknown as {
          connect(i: ClientTransportInit): Promise<Connection>
        }
        return mod.connect({ ...transport, signal })
      }
    } else {
      throw new TypeError('Reconnector needs `dial` or `transport`')
    }
    this.#log = init.logger ?? noopLogger
    this.#retryMax = retryCount(init.retry ?? DEFAULT_RETRY)
    this.#retryDelay = Math.max(0, init.retryDelay ?? DEFAULT_RETRY_DELAY)
    const b = init.backoff
    this.#backoff =
      b === undefined || b === false
        ? undefined
        : {
            factor: (b === true ? undefined : b.factor) ?? DEFAULT_BACKOFF_FACTOR,
            maxDelay: (b === true ? undefined : b.maxDelay) ?? DEFAULT_BACKOFF_MAX_DELAY,
            jitter: (b === true ? undefined : b.jitter) ?? DEFAULT_BACKOFF_JITTER,
          }
    this.offlineQueue = init.offlineQueue === false ? undefined : new OfflineQueue(init.offlineQueue)
  }

  /** The live session (handshake done), if any. */
  get session(): Session | undefined {
    const s = this.#session
    return s?.handshakeDone && !s.closed ? s : undefined
  }

  get connected(): boolean {
    return this.session !== undefined
  }

  get state(): ReconnectorState {
    return this.#state
  }

  get retryMax(): number {
    return this.#retryMax
  }

  /** The attempt in progress or last made (0 = the first connect / the live connection). */
  get attempt(): number {
    return this.#attempt
  }

  /**
   * Connects (with the retry policy) and resolves the session once the handshake is done. Rejects with the
   * last attempt's error (e.g. `ConnectError`, `VersionMismatchError`, `HandshakeTimeoutError`) once no attempt
   * is left, with `AbortError` on abort, `NotConnectedError` after `disconnect()` / `stopRetry()`.
   */
  connect(opts: { signal?: AbortSignal } = {}): Promise<Session> {
    const live = this.session
    if (live !== undefined) return Promise.resolve(live)
    this.#manual = false
    this.#stopped = false
    const loop = this.#loop ?? this.#startLoop(0)
    const signal = opts.signal
    if (signal === undefined) return loop
    if (signal.aborted) return Promise.reject(abortError(signal))
    return new Promise<Session>((resolve, reject) => {
      const onAbort = () => {
        reject(abortError(signal))
        this.#loopAbort?.abort(signal.reason)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      loop.then(
        (s) => {
          signal.removeEventListener('abort', onAbort)
          resolve(s)
        },
        (e) => {
          signal.removeEventListener('abort', onAbort)
          reject(e)
        },
      )
    })
  }

  /** Closes the connection (graceful) and stops any reconnect. Emits a permanent MANUAL state if there was something to stop. */
  async disconnect(): Promise<void> {
    this.#manual = true
    const wasActive = this.#state !== 'idle' && this.#state !== 'stopped'
    this.#loopAbort?.abort(new NotConnectedError('disconnect() called'))
    this.#sleepAbort?.abort()
    const s = this.#session
    this.#state = 'idle'
    if (s !== undefined && !s.closed) {
      if (s.handshakeDone) {
        await s.close() // onClose emits the MANUAL state
        return
      }
      s.destroy()
    }
    if (wasActive) this.#emit(DisconnectReason.MANUAL, true, this.#attempt)
  }

  /** No retry after this (an attempt in flight finishes; a pending delay is cancelled and a permanent MANUAL state emitted). */
  stopRetry(): void {
    this.#stopped = true
    this.#sleepAbort?.abort()
  }

  /**
   * Allows retries again, with `max` as the new retry count when given. When disconnected, starts a new series
   * of attempts now; resolves true once connected, false if the attempts fail (reported through onDisconnect).
   */
  async retry(opts: { max?: number } = {}): Promise<boolean> {
    if (opts.max !== undefined) this.#retryMax = retryCount(opts.max)
    this.#stopped = false
    if (this.connected) return true
    this.#manual = false
    try {
      await (this.#loop ?? this.#startLoop(0))
      return true
    } catch {
      return false
    }
  }

  /**
   * Sends on the live session (true if the connection accepted it). While a reconnect is pending, queues it
   * (true) or throws `OfflineQueueFullError`; with no connection and none coming, throws `NotConnectedError`.
   */
  send(request: Request): boolean {
    const s = this.#session
    const live = s?.handshakeDone === true && !s.closed
    if (live) {
      const q = this.offlineQueue
      if (q === undefined) return s.send(request) // the hot path: nothing queued can exist
      if (q.size > 0) this.#flush(s)
      if (q.size === 0) return s.send(request)
    }
    if (this.#state !== 'connecting' && this.#state !== 'reconnecting' && !live) {
      throw new NotConnectedError(`not connected (${this.#state})`)
    }
    if (this.offlineQueue === undefined) throw new NotConnectedError('not connected (reconnect pending)')
    this.offlineQueue.push(request)
    return true
  }

  /** `Session.sendAndWait` on the live session; `NotConnectedError` when there is none (waits are not queued). */
  sendAndWait(request: Request, opts?: WaitOptions): Promise<Response | null> {
    const s = this.session
    if (s === undefined) return Promise.reject(new NotConnectedError())
    return s.sendAndWait(request, opts)
  }

  /** `Session.ping` on the live session; `NotConnectedError` when there is none. */
  ping(opts?: WaitOptions): Promise<number | null> {
    const s = this.session
    if (s === undefined) return Promise.reject(new NotConnectedError())
    return s.ping(opts)
  }

  // ---------------------------------------------------------------------------------------------------------

  #startLoop(firstAttempt: number): Promise<Session> {
    const ac = new AbortController()
    this.#loopAbort = ac
    const loop = this.#run(firstAttempt, ac.signal).finally(() => {
      if (this.#loop === loop) this.#loop = undefined
      if (this.#loopAbort === ac) this.#loopAbort = undefined
    })
    this.#loop = loop
    loop.catch(() => {}) // reported through onDisconnect; callers of connect() get it too
    return loop
  }

  async #run(firstAttempt: number, signal: AbortSignal): Promise<Session> {
    let attempt = firstAttempt
    for (;;) {
      if (attempt > 0) {
        this.#state = 'reconnecting'
        const sleepAbort = new AbortController()
        this.#sleepAbort = sleepAbort
        const onLoopAbort = () => sleepAbort.abort()
        signal.addEventListener('abort', onLoopAbort, { once: true })
        try {
          await sleep(this.#delay(attempt), sleepAbort.signal)
        } catch {
          if (signal.aborted || this.#manual) throw this.#abortReason(signal)
          // stopRetry() during the delay
          this.#state = 'stopped'
          this.#emit(DisconnectReason.MANUAL, true, attempt - 1)
          this.#reportUnsent()
          throw new NotConnectedError('retries stopped')
        } finally {
          signal.removeEventListener('abort', onLoopAbort)
          this.#sleepAbort = undefined
        }
      }
      this.#attempt = attempt
      this.#state = 'connecting'
      try {
        return await this.#attemptOnce(signal)
      } catch (e) {
        if (signal.aborted || this.#manual) throw this.#abortReason(signal)
        const f =
          e instanceof AttemptFailure
            ? e
            : new AttemptFailure(DisconnectReason.ERROR, e instanceof Error ? e : new Error(String(e)))
        const permanent =
          this.#stopped ||
          attempt >= this.#retryMax ||
          f.reason === DisconnectReason.VERSION_MISMATCH ||
          f.reason === DisconnectReason.AUTH_REFUSED ||
          // a wrong key, refused encryption, a bad configuration: trying again changes nothing
          f.error instanceof SecureError
        this.#log.warning(() => `connect attempt ${attempt} failed: ${f.error.message}`)
        if (permanent) this.#state = 'stopped'
        this.#emit(f.reason, permanent, attempt, f.error)
        if (permanent) {
          this.#reportUnsent()
          throw f.error
        }
        attempt++
      }
    }
  }

  #abortReason(signal: AbortSignal): Error {
    const r: unknown = signal.reason
    if (r instanceof SessionError) return r
    return new AbortError('connect aborted', { cause: r })
  }

  async #attemptOnce(signal: AbortSignal): Promise<Session> {
    let conn: Connection
    try {
      conn = await this.#dial(signal)
    } catch (e) {
      throw new AttemptFailure(DisconnectReason.ERROR, e instanceof Error ? e : new Error(String(e)))
    }
    if (signal.aborted) {
      conn.destroy()
      throw this.#abortReason(signal)
    }
    const session = this.#newSession(conn)
    this.#session = session
    const onAbort = () => session.destroy(this.#abortReason(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      await session.ready
      return session
    } catch (e) {
      const info = session.closeInfo
      throw new AttemptFailure(
        info === undefined ? DisconnectReason.HANDSHAKE_FAILED : reasonFromClose(info.reason),
        e instanceof Error ? e : new Error(String(e)),
      )
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  /**
   * A session on `conn`. Its callbacks are made once per reconnector, not per attempt: closures made in
   * `#attemptOnce` would keep that attempt's context (its abort signal and listeners) alive as long as the
   * session lives.
   */
  #newSession(conn: Connection): Session {
    let hooks = this.#hooks
    if (hooks === undefined) {
      const init = this.#init
      hooks = {
        onReady: (s) => this.#onReady(s),
        onMessage: (r, s) => init.onMessage?.(r, s),
        onClose: (info, s) => this.#onSessionClose(info, s),
        onError: (e) => init.onError?.(e),
      }
      this.#hooks = hooks
    }
    return new Session({ ...this.#init.session, connection: conn, role: 'client', ...hooks })
  }

  #onReady(s: Session): void {
    const reconnected = this.#everConnected
    this.#everConnected = true
    this.#state = 'connected'
    this.#attempt = 0
    this.#log.info(() => (reconnected ? 'reconnected' : 'connected'))
    if (this.offlineQueue !== undefined && this.offlineQueue.size > 0) this.#flush(s)
    try {
      this.#init.onConnect?.(s, reconnected)
    } catch (e) {
      this.#report(e)
    }
  }

  #flush(s: Session): void {
    const q = this.offlineQueue!
    q.flush((r) => s.send(r))
    if (q.size > 0) {
      this.#report(
        new SessionError(
          `the connection refused a queued message: ${q.size} messages stay in the offline queue`,
        ),
      )
    }
  }

  #onSessionClose(info: SessionCloseInfo, s: Session): void {
    // Failures before the handshake are the attempt loop's to report.
    if (s !== this.#session || !info.handshakeDone) return
    this.#session = undefined
    if (this.#manual || info.reason === 'local') {
      this.#state = 'idle'
      this.#emit(DisconnectReason.MANUAL, true, 0, info.error)
      return
    }
    const reason = reasonFromClose(info.reason)
    const permanent = this.#stopped || this.#retryMax === 0
    this.#state = permanent ? 'stopped' : 'reconnecting'
    this.#attempt = 0
    this.#emit(reason, permanent, 0, info.error)
    if (permanent) this.#reportUnsent()
    else this.#startLoop(1)
  }

  /** The delay before retry number `attempt` (≥ 1): `retryDelay`, or the backoff's (jitter is random). */
  delayFor(attempt: number): number {
    return this.#delay(attempt)
  }

  #delay(attempt: number): number {
    const b = this.#backoff
    if (b === undefined) return this.#retryDelay
    // capped: with `retry: -1` the attempt count grows without end (factor ** n reaches Infinity; 0 * Infinity is NaN)
    const d = this.#retryDelay === 0 ? 0 : Math.min(b.maxDelay, this.#retryDelay * b.factor ** (attempt - 1))
    return d * (1 - Math.min(1, Math.max(0, b.jitter)) * Math.random())
  }

  #emit(reason: DisconnectReason, permanent: boolean, attempt: number, error?: Error): void {
    const state: DisconnectState = {
      permanent,
      attempt,
      retryMax: this.#retryMax,
      reason,
      initial: !this.#everConnected,
    }
    if (error !== undefined) state.error = error
    try {
      this.#init.onDisconnect?.(state)
    } catch (e) {
      this.#report(e)
    }
  }

  #reportUnsent(): void {
    const n = this.offlineQueue?.size ?? 0
    if (n > 0) {
      this.#report(
        new NotConnectedError(
          `gave up reconnecting: ${n} queued messages stay unsent (offlineQueue.clear() returns them; retry() sends them)`,
        ),
      )
    }
  }

  #report(e: unknown): void {
    const error = e instanceof Error ? e : new Error(String(e))
    this.#log.warning(() => error.message)
    try {
      this.#init.onError?.(error)
    } catch {
      // never let a reporting callback break the reconnect logic
    }
  }
}

/** -1 = retry forever (as the browser client); any other negative is none. */
function retryCount(n: number): number {
  return n === -1 ? Number.POSITIVE_INFINITY : Math.max(0, n)
}
