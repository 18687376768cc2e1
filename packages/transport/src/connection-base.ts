import {
  ChecksumMismatchError,
  type CodecError,
  type Frame,
  HEADER_SIZE,
  UnknownMessageTypeError,
} from '@veltix/codec'
import type {
  CloseInfo,
  CloseReason,
  Connection,
  ConnectionHandler,
  FrameStats,
  SendResult,
} from './connection.js'
import type { ResolvedOptions } from './options.js'

export const OPEN = 0
export const CLOSING = 1
export const CLOSED = 2

/**
 * What every connection shares, whatever moves its bytes: the handler, close-once bookkeeping (the first
 * cause wins and is reported exactly once, when the connection is really closed), and counters.
 */
export abstract class ConnectionBase implements Connection {
  // Memory per idle connection matters (10,000s of them per process): every field below costs 8 bytes per
  // connection, so rarely used state is created on first use (stats, the close promise) and there are no
  // private (#) methods (each class with some adds a hidden brand field to every instance).
  localAddress = ''
  localPort = 0
  protected statsOrUndefined: FrameStats | undefined
  protected handler: ConnectionHandler | undefined
  protected state = OPEN
  protected closeInfo: CloseInfo | undefined
  /** Set when this side started the close: frames that still arrive are dropped, not delivered. */
  protected dropInbound = false
  protected needDrain = false
  #reported = false
  #closedWait: { promise: Promise<void>; resolve: () => void } | undefined
  /** Called once when the connection is fully closed (the owning transport forgets it). */
  onFinished: ((conn: ConnectionBase) => void) | undefined

  constructor(
    readonly id: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    readonly remoteFamily: string,
    protected readonly opts: ResolvedOptions,
  ) {}

  get closed(): boolean {
    return this.state !== OPEN
  }

  /** Live counters (created on first use: an idle connection that never moved a frame has none). */
  get stats(): FrameStats {
    this.statsOrUndefined ??= {
      framesIn: 0,
      framesOut: 0,
      bytesIn: 0,
      bytesOut: 0,
      checksumErrors: 0,
      unknownTypes: 0,
      overflowRejected: 0,
      truncatedFrames: 0,
    }
    return this.statsOrUndefined
  }

  abstract get bufferedAmount(): number
  abstract send(code: number, requestId: number, payload: Uint8Array, timestamp?: number): SendResult
  abstract sendEncoded(frames: Uint8Array): SendResult
  abstract close(): Promise<void>
  abstract destroy(error?: Error): void
  /** Starts reading (called on the first `setHandler`). */
  protected abstract startReading(): void

  setHandler(handler: ConnectionHandler): void {
    const first = this.handler === undefined
    this.handler = handler
    if (this.state === CLOSED) {
      queueMicrotask(() => this.reportClose())
      return
    }
    if (first) this.startReading()
  }

  /** Resolves when the connection is fully closed. */
  protected closedPromise(): Promise<void> {
    if (this.state === CLOSED) return Promise.resolve()
    if (this.#closedWait === undefined) {
      let resolve!: () => void
      const promise = new Promise<void>((r) => {
        resolve = r
      })
      this.#closedWait = { promise, resolve }
    }
    return this.#closedWait.promise
  }

  /** Records why the connection closes; the first cause wins. */
  protected setReason(reason: CloseReason, error?: Error): void {
    if (this.closeInfo !== undefined) return
    this.closeInfo = error === undefined ? { reason } : { reason, error }
  }

  /** The connection is gone: report it (now, or when a handler is set) and settle `close()`. */
  protected finish(): void {
    if (this.state === CLOSED) return
    this.state = CLOSED
    this.setReason('error', new Error('connection closed for an unknown reason'))
    this.reportClose()
    this.#closedWait?.resolve()
    const onFinished = this.onFinished
    this.onFinished = undefined
    onFinished?.(this)
  }

  /** @internal Reports the close to the handler, once, when both exist. */
  reportClose(): void {
    if (this.#reported || this.handler === undefined || this.state !== CLOSED) return
    this.#reported = true
    const info = this.closeInfo!
    try {
      this.handler.close(info)
    } catch (err) {
      this.opts.logger.error('transport: close handler threw', { connection: this.id, error: err })
    }
  }

  /** @internal Hands one decoded frame to the handler (the shared decoder calls it directly). */
  deliverFrame(frame: Frame): void {
    if (this.dropInbound) return
    const stats = this.statsOrUndefined ?? this.stats
    stats.framesIn++
    stats.bytesIn += HEADER_SIZE + frame.payload.length
    try {
      this.handler!.frame(frame)
    } catch (err) {
      this.opts.logger.error('transport: frame handler threw', {
        connection: this.id,
        code: frame.code,
        error: err,
      })
    }
  }

  protected deliverDecodeError(error: CodecError): void {
    if (error instanceof ChecksumMismatchError) this.stats.checksumErrors++
    else if (error instanceof UnknownMessageTypeError) this.stats.unknownTypes++
    this.opts.logger.warning(`transport: ${error.message}`, { connection: this.id })
    try {
      this.handler?.decodeError?.(error)
    } catch (err) {
      this.opts.logger.error('transport: decodeError handler threw', { connection: this.id, error: err })
    }
  }

  /** Emits `drain` once the queue is back under the high-water mark after a `backpressure` answer. */
  protected checkDrain(): void {
    if (!this.needDrain || this.state !== OPEN || this.bufferedAmount > this.opts.highWaterMark) return
    this.needDrain = false
    try {
      this.handler?.drain?.()
    } catch (err) {
      this.opts.logger.error('transport: drain handler threw', { connection: this.id, error: err })
    }
  }
}
