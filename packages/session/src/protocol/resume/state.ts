import { HEADER_SIZE } from '@veltix/codec'
import { ConnectionClosedError } from '../../errors.js'
import type { SessionCloseReason } from '../types.js'
import type { Waits } from '../waits.js'
import { ResumeExpiredError } from './errors.js'
import type { ResumeLink } from './link.js'
import { InboundSequence, ReplayBuffer } from './replay-buffer.js'
import { type ResumeToken, tokenKey } from './token.js'

/** How long a server holds a dropped connection's state by default (ms). */
export const DEFAULT_RESUME_WINDOW = 120_000
/** Unacknowledged bytes each side keeps per connection by default. */
export const DEFAULT_RESUME_MAX_BUFFERED = 4 * 1024 * 1024

/** Counters of resumable connections (a server's over all its clients, a client's over its reconnects). */
export interface ResumeStats {
  /** Reconnects that resumed: nothing lost, `recovered: true`. */
  recovered: number
  /** Drops that could not be resumed: past the window, the peer's state gone, or a bad token. */
  expired: number
  /** Messages this side sent that the peer never acknowledged, dropped with their state (not replayed). */
  lostMessages: number
  /** `sendAndWait`s rejected with `ResumeExpiredError` / `ResumeBufferFullError` because their state went. */
  lostRequests: number
  /** Messages sent again after a reconnect (the peer lacked them). */
  replayed: number
  /** Connections cut because the peer left more than `maxBufferedBytes` unacknowledged. */
  bufferFull: number
  /** Dropped connections held right now, waiting for their client (server). */
  held: number
}

export function emptyResumeStats(): ResumeStats {
  return { recovered: 0, expired: 0, lostMessages: 0, lostRequests: 0, replayed: 0, bufferFull: 0, held: 0 }
}

/** What a state's connection currently is: carrying it, dropped and held, handed to a newer one, or freed. */
type Status = 'attached' | 'held' | 'moving' | 'gone'

/**
 * One resumable connection's state, outliving its TCP connections: what this side sent and the peer has not
 * acknowledged, how many application frames it delivered, the token, and the `sendAndWait`s pending across a
 * drop. Attached to one `ResumeLink` at a time. @internal
 */
export class ResumeState {
  readonly replay: ReplayBuffer
  readonly inbound = new InboundSequence()
  readonly stats: ResumeStats
  /** The link carrying it now (undefined while held or gone). */
  link: ResumeLink | undefined = undefined
  token: ResumeToken | undefined = undefined
  /** The peer said it closes on purpose (a final ack): nothing to hold. */
  released = false
  /** Made on an encrypted connection: only a proof bound to an encrypted connection's keys resumes it. */
  encrypted = false
  #status: Status = 'attached'
  #waits: Waits | undefined = undefined
  #timer: ReturnType<typeof setTimeout> | undefined = undefined
  readonly #onGone: ((s: ResumeState) => void) | undefined

  constructor(maxBufferedBytes: number, stats: ResumeStats, onGone?: (s: ResumeState) => void) {
    this.replay = new ReplayBuffer(maxBufferedBytes, HEADER_SIZE)
    this.stats = stats
    this.#onGone = onGone
  }

  get status(): Status {
    return this.#status
  }

  /** Not freed: sends on any of its sessions are kept (held) or forwarded to its current connection. */
  get alive(): boolean {
    return this.#status !== 'gone'
  }

  /** `link` carries the state from now on; the pending waits carried over are handed back (to adopt). */
  attach(link: ResumeLink): Waits | undefined {
    this.#clearTimer()
    if (this.#status === 'held') this.stats.held--
    this.#status = 'attached'
    this.link = link
    this.released = false
    const w = this.#waits
    this.#waits = undefined
    return w
  }

  /** A newer connection presents the token while `link` still carries it: the old one is about to be destroyed. */
  moving(): void {
    this.#status = 'moving'
  }

  /**
   * The session on `link` is closing (`reason`) with `waits` pending: holds the state for `windowMs` (true:
   * the waits are kept), or lets it go (false: the session fails its waits itself).
   */
  closing(link: ResumeLink, reason: SessionCloseReason, waits: Waits | undefined, windowMs: number): boolean {
    if (link !== this.link) return false
    this.link = undefined
    if (this.#status === 'moving') {
      this.#waits = waits
      return waits !== undefined
    }
    if (this.#status !== 'attached') return false
    // Closed on purpose by either side: nothing will come back for it.
    if (reason === 'local' || this.released || !(windowMs > 0)) {
      this.free(false)
      return false
    }
    this.#status = 'held'
    this.stats.held++
    this.#waits = waits
    this.#timer = setTimeout(() => this.expire(), Math.min(windowMs, 2 ** 31 - 1))
    this.#timer.unref?.()
    return waits !== undefined
  }

  /** The connection on `link` is cut with `error` (e.g. a full buffer): the state and `waits` go with it. */
  lose(link: ResumeLink, waits: Waits | undefined, error: Error): boolean {
    if (link !== this.link) return false
    this.#waits = waits
    this.expire(error)
    return waits !== undefined
  }

  /** The window passed, or the peer could not resume it: what it held is lost (counted), its waits rejected. */
  expire(error: Error = new ResumeExpiredError()): void {
    if (this.#status === 'gone') return
    const wasHeld = this.#status === 'held'
    this.stats.expired++
    this.stats.lostMessages += this.replay.length
    const w = this.#waits
    this.#waits = undefined
    if (w !== undefined) this.stats.lostRequests += w.size
    this.free(wasHeld)
    w?.failAll(() => error)
  }

  /** Forgets everything (no counting: a deliberate close). `held`: it was held (the gauge goes down). */
  free(held = this.#status === 'held'): void {
    this.#clearTimer()
    if (held && this.#status === 'held') this.stats.held--
    this.#status = 'gone'
    this.link = undefined
    this.replay.clear()
    const w = this.#waits
    this.#waits = undefined
    w?.failAll(() => new ConnectionClosedError('connection closed while waiting for a reply'))
    this.#onGone?.(this)
  }

  /** A fresh start on the same object (a client whose server did not resume it): numbering from 1 again. */
  restart(): void {
    this.#clearTimer()
    this.replay.clear()
    this.inbound.delivered = 0
    this.#status = 'attached'
    this.released = false
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }
}

export interface ResumeServerInit {
  /** ms a dropped connection's state is held for its client; default DEFAULT_RESUME_WINDOW (120 s). */
  windowMs?: number
  /** Unacknowledged bytes kept per connection; default DEFAULT_RESUME_MAX_BUFFERED (4 MiB). */
  maxBufferedBytes?: number
}

/**
 * A server's resumable connections by token id: the `resume` option of its sessions (one store per server).
 * `onAttach` learns, for each session that negotiated resume, whether it recovered a dropped one.
 */
export class ResumeStore {
  readonly windowMs: number
  readonly maxBufferedBytes: number
  readonly stats: ResumeStats = emptyResumeStats()
  /**
   * Called for each session that negotiated resume, before its `onReady`; `state.alive` says, later, whether a
   * send on that (maybe dropped) session is still kept or forwarded.
   */
  onAttach: ((session: unknown, recovered: boolean, state: ResumeState) => void) | undefined = undefined
  readonly #byToken = new Map<string, ResumeState>()
  readonly #forget = (s: ResumeState): void => {
    if (s.token !== undefined) this.#byToken.delete(tokenKey(s.token.id))
  }

  constructor(init: ResumeServerInit = {}) {
    this.windowMs = init.windowMs ?? DEFAULT_RESUME_WINDOW
    this.maxBufferedBytes = init.maxBufferedBytes ?? DEFAULT_RESUME_MAX_BUFFERED
  }

  /** States known (live and held). */
  get size(): number {
    return this.#byToken.size
  }

  create(): ResumeState {
    return new ResumeState(this.maxBufferedBytes, this.stats, this.#forget)
  }

  get(id: Uint8Array): ResumeState | undefined {
    return this.#byToken.get(tokenKey(id))
  }

  /** Gives `state` a new token (single use: the old one finds nothing from now on). */
  issue(state: ResumeState, token: ResumeToken): void {
    this.#forget(state)
    state.token = token
    this.#byToken.set(tokenKey(token.id), state)
  }

  /** Frees every state (the server closes). */
  clear(): void {
    for (const s of [...this.#byToken.values()]) s.free()
    this.#byToken.clear()
  }
}

export interface ResumeClientInit {
  /** Unacknowledged bytes kept; default DEFAULT_RESUME_MAX_BUFFERED (4 MiB). */
  maxBufferedBytes?: number
}

/** A client's one resumable connection across its reconnects: the `resume` option of its sessions. */
export class ResumeClient {
  readonly stats: ResumeStats = emptyResumeStats()
  readonly state: ResumeState
  /** Whether the last handshake resumed the previous connection. */
  recovered = false
  /** The server's window, from its offer (ms). */
  windowMs = DEFAULT_RESUME_WINDOW

  constructor(init: ResumeClientInit = {}) {
    this.state = new ResumeState(init.maxBufferedBytes ?? DEFAULT_RESUME_MAX_BUFFERED, this.stats)
  }

  /** No reconnect is coming (the client gave up, or closed): what was held is lost. */
  giveUp(): void {
    const s = this.state
    if (s.status === 'held') s.expire(new ResumeExpiredError('the client stopped reconnecting'))
  }
}
