import { HEADER_SIZE, type Request } from '@veltix/codec'
import { DEFAULT_OFFLINE_MAX_BYTES, DEFAULT_OFFLINE_MAX_MESSAGES } from '../constants.js'
import { OfflineQueueFullError } from '../errors.js'

export interface OfflineQueueInit {
  /** Default DEFAULT_OFFLINE_MAX_MESSAGES (1000). */
  maxMessages?: number
  /** Frame bytes (22-byte header + payload); default DEFAULT_OFFLINE_MAX_BYTES (1 MiB). */
  maxBytes?: number
}

const HEADER = HEADER_SIZE

/**
 * Messages sent while a reconnect is pending, bounded by count and bytes, flushed in order after the next
 * handshake. A message that would cross a bound is refused with `OfflineQueueFullError` (never dropped silently).
 */
export class OfflineQueue {
  readonly maxMessages: number
  readonly maxBytes: number
  #items: Request[] = []
  #head = 0
  #bytes = 0

  constructor(init: OfflineQueueInit = {}) {
    this.maxMessages = init.maxMessages ?? DEFAULT_OFFLINE_MAX_MESSAGES
    this.maxBytes = init.maxBytes ?? DEFAULT_OFFLINE_MAX_BYTES
  }

  /** Messages queued. */
  get size(): number {
    return this.#items.length - this.#head
  }

  /** Frame bytes queued. */
  get bytes(): number {
    return this.#bytes
  }

  /** Queues `request`; throws `OfflineQueueFullError` when it would cross a bound. */
  push(request: Request): void {
    const n = HEADER + request.payload.length
    if (this.size >= this.maxMessages || this.#bytes + n > this.maxBytes) {
      throw new OfflineQueueFullError(this.maxMessages, this.maxBytes)
    }
    this.#items.push(request)
    this.#bytes += n
  }

  /**
   * Hands queued messages to `send` in order until it returns false (that message and the rest stay queued).
   * Returns how many were sent.
   */
  flush(send: (request: Request) => boolean): number {
    let sent = 0
    while (this.#head < this.#items.length) {
      const r = this.#items[this.#head]!
      if (!send(r)) break
      this.#head++
      this.#bytes -= HEADER + r.payload.length
      sent++
    }
    if (this.#head === this.#items.length) {
      this.#items = []
      this.#head = 0
    }
    return sent
  }

  /** Empties the queue and returns what it held, oldest first. */
  clear(): Request[] {
    const out = this.#items.slice(this.#head)
    this.#items = []
    this.#head = 0
    this.#bytes = 0
    return out
  }
}
