import type { Response } from '@veltix/codec'
import type { LoggerLike } from '@veltix/logger'
import { type Connection, refuseConnection } from '@veltix/transport'
import type { LimitsInit } from './config.js'
import { RateLimitError } from './errors.js'
import type { Peer } from './peer.js'

/** What the `limits` did, since the server was created (`server.stats().limits`). */
export interface LimitCounters {
  /** Connections closed at once for `maxConnectionsPerAddress` / `maxNewConnectionsPerSecond`. */
  refusedConnections: number
  /** Messages dropped for `maxMessagesPerSecond` / `maxBytesPerSecond` (`onLimit: 'drop'`). */
  droppedMessages: number
  /** Connections closed for them (`onLimit: 'close'`). */
  closedConnections: number
}

/** Per-connection rate window (created only when message / byte limits are configured). */
export interface RateWindow {
  start: number
  messages: number
  bytes: number
}

/** Per-address bookkeeping of the connection limits. */
interface AddressEntry {
  open: number
  windowStart: number
  newInWindow: number
}

/** Entries kept before idle ones are swept (bounds the memory a scan of many addresses can take). */
const SWEEP_AT = 4096

/**
 * The server's `limits` (internal): per address at accept time (`maxConnectionsPerAddress`,
 * `maxNewConnectionsPerSecond`), per connection on each message (`maxMessagesPerSecond`, `maxBytesPerSecond`,
 * fixed one-second windows). Off entirely when nothing is configured (`perAddress` / `perConnection` false).
 */
export class Limits {
  readonly counters: LimitCounters = { refusedConnections: 0, droppedMessages: 0, closedConnections: 0 }
  readonly perAddress: boolean
  readonly perConnection: boolean
  readonly #l: Required<LimitsInit>
  readonly #logger: LoggerLike
  readonly #addresses = new Map<string, AddressEntry>()

  constructor(limits: Required<LimitsInit>, logger: LoggerLike) {
    this.#l = limits
    this.#logger = logger
    this.perAddress = limits.maxConnectionsPerAddress > 0 || limits.maxNewConnectionsPerSecond > 0
    this.perConnection = limits.maxMessagesPerSecond > 0 || limits.maxBytesPerSecond > 0
  }

  /** Per-address limits at accept time; false = the connection was refused (and is closing). */
  admit(conn: Connection): boolean {
    const l = this.#l
    const now = performance.now()
    const key = conn.remoteAddress
    let e = this.#addresses.get(key)
    if (e === undefined) {
      if (this.#addresses.size >= SWEEP_AT) this.#sweep(now)
      e = { open: 0, windowStart: now, newInWindow: 0 }
      this.#addresses.set(key, e)
    }
    if (now - e.windowStart >= 1000) {
      e.windowStart = now
      e.newInWindow = 0
    }
    e.newInWindow++
    let why: string | undefined
    if (l.maxConnectionsPerAddress > 0 && e.open >= l.maxConnectionsPerAddress) {
      why = `maxConnectionsPerAddress (${l.maxConnectionsPerAddress})`
    } else if (l.maxNewConnectionsPerSecond > 0 && e.newInWindow > l.maxNewConnectionsPerSecond) {
      why = `maxNewConnectionsPerSecond (${l.maxNewConnectionsPerSecond})`
    }
    if (why !== undefined) {
      this.counters.refusedConnections++
      this.#logger.debug(() => `refused a connection from ${key}: ${why}`)
      // One ERROR frame says why (a Veltix client fails with ServerRefusedError carrying it), then a close.
      refuseConnection(conn, `connection refused: ${why}`).catch(() => {})
      return false
    }
    e.open++
    return true
  }

  /** An admitted connection from `address` ended. */
  release(address: string): void {
    const e = this.#addresses.get(address)
    if (e !== undefined && e.open > 0) e.open--
  }

  #sweep(now: number): void {
    for (const [k, e] of this.#addresses)
      if (e.open === 0 && now - e.windowStart >= 1000) this.#addresses.delete(k)
  }

  /** Per-connection message / byte rate; false = not to be dispatched (dropped, or the connection closed). */
  withinRate(peer: Peer, response: Response): boolean {
    const l = this.#l
    const now = performance.now()
    let w = peer.window
    if (w === undefined) peer.window = w = { start: now, messages: 0, bytes: 0 }
    else if (now - w.start >= 1000) {
      w.start = now
      w.messages = 0
      w.bytes = 0
    }
    w.messages++
    w.bytes += response.content.length
    let over: RateLimitError | undefined
    if (l.maxMessagesPerSecond > 0 && w.messages > l.maxMessagesPerSecond) {
      over = new RateLimitError('maxMessagesPerSecond', l.maxMessagesPerSecond)
    } else if (l.maxBytesPerSecond > 0 && w.bytes > l.maxBytesPerSecond) {
      over = new RateLimitError('maxBytesPerSecond', l.maxBytesPerSecond)
    }
    if (over === undefined) return true
    if (l.onLimit === 'close') {
      if (!peer.ended && peer.session !== undefined && !peer.session.closed) {
        this.counters.closedConnections++
        this.#logger.warning(`closing ${peer.info}: ${over.message}`)
        peer.session.destroy(over)
      }
    } else {
      this.counters.droppedMessages++
      this.#logger.debug(() => `dropped a message from ${peer.info}: ${over.limit} exceeded`)
    }
    return false
  }
}
