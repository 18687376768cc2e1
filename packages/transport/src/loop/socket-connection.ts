import type { Socket } from 'node:net'
import type { PeerCertificate, TLSSocket } from 'node:tls'
import {
  type CodecError,
  FRAME_PROFILE_1_6,
  type FrameStreamDecoder,
  FrameTooLargeError,
  writeFrame,
} from '@veltix/codec'
import { tickClock } from '../clock.js'
import type { SendResult } from '../connection.js'
import { CLOSED, CLOSING, ConnectionBase, OPEN } from '../connection-base.js'
import { OverflowError } from '../errors.js'
import type { ResolvedOptions } from '../options.js'
import { type Flushable, scheduleFlush } from './flush-scheduler.js'
import { type DecodeTarget, sharedDecoder } from './shared-decoder.js'

const MIN_SLAB = 256
// Shared empty queue: an idle connection allocates no array (replaced on first use, never pushed to).
const EMPTY_CHUNKS: Buffer[] = []
const OWNER = Symbol('veltix.connection')
type OwnedSocket = Socket & { [OWNER]: SocketConnection }

// One listener function per event for all connections (not closures per connection): less memory per
// idle connection. `this` is the socket.
function onSocketEnd(this: OwnedSocket): void {
  this[OWNER].onEnd()
}
function onSocketError(this: OwnedSocket, error: NodeJS.ErrnoException): void {
  this[OWNER].onError(error)
}
function onSocketDrain(this: OwnedSocket): void {
  this[OWNER].onDrain()
}
function onSocketClose(this: OwnedSocket): void {
  this[OWNER].onClose()
}
function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[OWNER].onData(chunk)
}

/**
 * A connection over a `net.Socket` owned by the main thread. The loop core uses it as is: frames are cut
 * from the stream with a `FrameDecoder` and encoded with `writeFrame` into a per-tick slab, flushed in one
 * `write` (several slabs: one corked `writev`). The worker core subclasses it and moves the framing/CRC
 * work to a worker thread through the `ingest` / `encode` hooks.
 *
 * Memory per idle connection: a connection whose input is at a frame boundary owns no decoder — its
 * chunks go through the transport's shared decoder, and only a chunk that ends inside a frame gives the
 * connection a decoder of its own, kept until its input is back at a frame boundary. No outbound buffer
 * is kept between ticks, counters are created on first use, the `drain` listener is added on the first
 * backpressure.
 */
export class SocketConnection extends ConnectionBase implements DecodeTarget, Flushable {
  protected readonly socket: Socket
  /** Own decoder while a frame is split across chunks; undefined at a frame boundary. */
  #decoder: FrameStreamDecoder | undefined
  // Outbound queue not yet handed to the socket: sealed chunks, then the open slab [#slabStart, #slabUsed).
  #chunks: Buffer[] = EMPTY_CHUNKS
  #slab: Buffer | undefined
  #slabStart = 0
  #slabUsed = 0
  #slabHint = MIN_SLAB
  /** Bytes in #chunks + the open slab region. */
  protected queued = 0
  #flushScheduled = false
  #closeTimer: NodeJS.Timeout | undefined
  #ended = false

  constructor(id: number, socket: Socket, opts: ResolvedOptions) {
    super(id, socket.remoteAddress ?? '', socket.remotePort ?? 0, socket.remoteFamily ?? '', opts)
    this.socket = socket
    this.localAddress = socket.localAddress ?? ''
    this.localPort = socket.localPort ?? 0
    socket.setNoDelay(true)
    socket.setKeepAlive(true, opts.keepAliveDelay)
    ;(socket as OwnedSocket)[OWNER] = this
    socket.on('end', onSocketEnd)
    socket.on('error', onSocketError)
    socket.on('close', onSocketClose)
  }

  get bufferedAmount(): number {
    return this.queued + this.socket.writableLength
  }

  // TLS state is read from the socket on demand (nothing stored per connection).
  get encrypted(): boolean {
    return (this.socket as TLSSocket).encrypted === true
  }

  get authorized(): boolean {
    return (this.socket as TLSSocket).authorized === true
  }

  get authorizationError(): Error | undefined {
    const e = (this.socket as TLSSocket).authorizationError as Error | string | undefined | null
    if (e === undefined || e === null) return undefined
    return typeof e === 'string' ? new Error(e) : e
  }

  getPeerCertificate(detailed?: boolean): PeerCertificate | undefined {
    const s = this.socket as TLSSocket
    if (s.encrypted !== true || this.state === CLOSED) return undefined
    const cert = detailed === true ? s.getPeerCertificate(true) : s.getPeerCertificate()
    return cert === null || cert === undefined || Object.keys(cert).length === 0 ? undefined : cert
  }

  send(code: number, requestId: number, payload: Uint8Array, timestamp?: number): SendResult {
    if (this.state !== OPEN) return 'closed'
    const opts = this.opts
    const len = opts.frameProfile.headerSize + payload.length
    if (len > opts.maxMessageSize) throw new FrameTooLargeError(code, len, opts.maxMessageSize)
    const before = this.bufferedAmount
    if (before + len > opts.maxQueuedBytes) return this.overflow(before, len)
    this.encode(code, requestId, payload, timestamp === undefined ? tickClock() : timestamp, len)
    const stats = this.statsOrUndefined ?? this.stats
    stats.framesOut++
    return this.accepted(before + len)
  }

  sendEncoded(frames: Uint8Array): SendResult {
    if (this.state !== OPEN) return 'closed'
    const len = frames.length
    if (len === 0) return this.accepted(this.bufferedAmount)
    const before = this.bufferedAmount
    if (before + len > this.opts.maxQueuedBytes) return this.overflow(before, len)
    this.encodeRaw(frames)
    return this.accepted(before + len)
  }

  close(): Promise<void> {
    if (this.state === OPEN) {
      this.setReason('local')
      this.beginClose()
    }
    return this.closedPromise()
  }

  destroy(error?: Error): void {
    if (this.state === CLOSED) return
    this.setReason('local', error)
    this.destroyNow()
  }

  /** Server shutdown: like `close()`, with reason `server-closed`. */
  serverClose(): Promise<void> {
    if (this.state === OPEN) {
      this.setReason('server-closed')
      this.beginClose()
    }
    return this.closedPromise()
  }

  // ---- hooks the worker core overrides -------------------------------------------------------------

  /** Starts the inbound path: chunks go to `ingest`. */
  protected startReading(): void {
    this.attachReader()
  }

  /** Routes socket data to `ingest` and starts reading. */
  protected attachReader(): void {
    this.socket.on('data', onSocketData)
    this.socket.resume()
  }

  /** @internal */
  onData(chunk: Buffer): void {
    this.ingest(chunk)
  }

  protected ingest(chunk: Buffer): void {
    if (this.dropInbound || this.state === CLOSED) return
    let own = this.#decoder
    if (own === undefined) {
      const shared = sharedDecoder(this.opts)
      if (!shared.busy) {
        const rest = shared.decode(this, chunk)
        if (rest < 0) this.dropInbound = true // fatal error, already reported
        if (rest <= 0 || this.dropInbound || this.state === CLOSED) return
        // The chunk ends inside a frame: its last `rest` bytes are the start of it.
        chunk = chunk.subarray(chunk.length - rest)
        if (this.offloadTail(chunk)) return
      }
      own = this.ownDecoder()
    }
    own.push(chunk)
    if (own.error !== undefined) this.dropInbound = true
    // Back at a frame boundary: give the decoder (and the chunks it held) back to the GC.
    else if (own.bufferedBytes === 0) this.#decoder = undefined
  }

  /**
   * Hook: `tail` (the start of a frame the last chunk did not complete, at a frame boundary of this
   * connection's input) may be handed elsewhere; true when it was. The worker core takes large frames.
   */
  protected offloadTail(_tail: Buffer): boolean {
    return false
  }

  /** @internal This connection's own decoder (created when a frame spans chunks). */
  ownDecoder(): FrameStreamDecoder {
    this.#decoder ??= this.opts.frameProfile.createDecoder({
      onFrame: (frame) => this.deliverFrame(frame),
      onError: (error) => this.onDecodeError(error),
      maxMessageSize: this.opts.maxMessageSize,
      registry: this.opts.registry,
    })
    return this.#decoder
  }

  /** @internal Used by the shared decoder. */
  decodeFailed(error: CodecError): void {
    this.onDecodeError(error)
  }

  /** Queues one validated frame of `len` bytes. */
  protected encode(
    code: number,
    requestId: number,
    payload: Uint8Array,
    timestamp: number,
    len: number,
  ): void {
    const profile = this.opts.frameProfile // the 1.6.3 writer called directly: no indirection by default
    const write = profile === FRAME_PROFILE_1_6 ? writeFrame : profile.writeFrame
    if (len >= this.opts.flushThreshold >>> 1) {
      // A large frame gets its own buffer: no slab growth, no second copy.
      const buf = Buffer.allocUnsafe(len)
      write(buf, 0, code, requestId, payload, timestamp)
      this.seal()
      this.pushChunk(buf)
    } else {
      let slab = this.#slab
      if (slab === undefined || slab.length - this.#slabUsed < len) {
        this.seal()
        const size = slab === undefined ? this.#slabHint : Math.min(slab.length * 2, this.opts.flushThreshold)
        slab = Buffer.allocUnsafe(Math.max(size, len))
        this.#slab = slab
        this.#slabStart = 0
        this.#slabUsed = 0
      }
      this.#slabUsed = write(slab, this.#slabUsed, code, requestId, payload, timestamp)
    }
    this.queueBytes(len)
  }

  /** Queues bytes that are already whole frames. */
  protected encodeRaw(frames: Uint8Array): void {
    const len = frames.length
    if (len < 4096 && this.#slab !== undefined && this.#slab.length - this.#slabUsed >= len) {
      this.#slab.set(frames, this.#slabUsed)
      this.#slabUsed += len
    } else {
      this.seal()
      // Shared, not copied (broadcast encodes once); the caller must not change it afterwards.
      this.pushChunk(Buffer.from(frames.buffer, frames.byteOffset, len))
    }
    this.queueBytes(len)
  }

  /** True while outbound work is still on its way to the queue (the worker core's in-flight frames). */
  protected hasOutboundInFlight(): boolean {
    return false
  }

  // ---- shared machinery ----------------------------------------------------------------------------

  protected accepted(total: number): SendResult {
    if (total > this.opts.highWaterMark) {
      if (!this.needDrain) {
        this.needDrain = true
        // Listen for the socket's drain only once it matters (one listener fewer per idle connection).
        if (!this.socket.listeners('drain').includes(onSocketDrain)) this.socket.on('drain', onSocketDrain)
      }
      return 'backpressure'
    }
    return 'ok'
  }

  protected overflow(queued: number, len: number): SendResult {
    this.stats.overflowRejected++
    const error = new OverflowError(queued, len, this.opts.maxQueuedBytes)
    if (this.opts.overflowPolicy === 'close') {
      this.opts.logger.warning(`transport: ${error.message}; closing the connection`, { connection: this.id })
      this.setReason('overflow', error)
      this.destroyNow()
    }
    return 'overflow'
  }

  protected onDecodeError(error: CodecError): void {
    this.deliverDecodeError(error)
    if (error.fatal && this.state !== CLOSED) {
      this.setReason('protocol-error', error)
      this.beginClose()
    }
  }

  /** Accounts `len` newly queued bytes and makes sure they get flushed. */
  protected queueBytes(len: number): void {
    this.queued += len
    if (this.queued >= this.opts.flushThreshold) this.flush()
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true
      scheduleFlush(this, this.opts.flushOnImmediate)
    }
  }

  /** Appends bytes straight to the outbound chunk list (worker core: frames encoded by a worker). */
  protected queueChunk(chunk: Buffer): void {
    this.seal()
    this.pushChunk(chunk)
    this.queueBytes(chunk.length)
  }

  /** @internal Runs the flush scheduled by `queueBytes` (or by a flush that left the socket needing a drain). */
  scheduledFlush(): void {
    this.#flushScheduled = false
    this.flush()
    if (this.needDrain) this.checkDrain()
    if (this.state === CLOSING && !this.#ended) this.maybeEnd()
  }

  protected pushChunk(chunk: Buffer): void {
    if (this.#chunks === EMPTY_CHUNKS) this.#chunks = [chunk]
    else this.#chunks.push(chunk)
  }

  protected seal(): void {
    const slab = this.#slab
    if (slab === undefined) return
    if (this.#slabUsed > this.#slabStart) {
      this.pushChunk(slab.subarray(this.#slabStart, this.#slabUsed))
      this.#slabStart = this.#slabUsed
    }
    if (slab.length - this.#slabUsed < MIN_SLAB) this.#slab = undefined
  }

  /** Hands everything queued to the socket in one write (one corked writev for several chunks). */
  protected flush(): void {
    if (this.queued === 0) return
    this.seal()
    const chunks = this.#chunks
    const bytes = this.queued
    this.#chunks = EMPTY_CHUNKS
    this.queued = 0
    // Drop the slab: an idle connection keeps no buffer; the next tick starts at the size this one needed.
    this.#slab = undefined
    this.#slabHint = Math.min(Math.max(MIN_SLAB, 2 ** Math.ceil(Math.log2(bytes))), this.opts.flushThreshold)
    const socket = this.socket
    if (!socket.writable || this.#ended) return
    if (chunks.length === 1) socket.write(chunks[0]!)
    else {
      socket.cork()
      for (const c of chunks) socket.write(c)
      socket.uncork()
    }
    this.stats.bytesOut += bytes
    if (this.needDrain && !this.#flushScheduled) {
      this.#flushScheduled = true
      scheduleFlush(this, false)
    }
  }

  /** Graceful close: stop accepting, flush, FIN, then wait (bounded) for the peer's FIN. */
  protected beginClose(): void {
    if (this.state === CLOSED) return
    if (this.state === OPEN) this.state = CLOSING
    if (this.closeInfo?.reason !== 'remote-end') this.dropInbound = true
    if (this.#closeTimer === undefined) {
      this.#closeTimer = setTimeout(() => this.socket.destroy(), this.opts.closeTimeout)
      this.#closeTimer.unref()
    }
    // Keep reading (and discarding) so the peer's FIN is seen.
    if (this.handler === undefined) this.socket.resume()
    this.maybeEnd()
  }

  /** Ends the socket once nothing is queued or in flight. */
  protected maybeEnd(): void {
    if (this.#ended || this.state === OPEN) return
    if (this.hasOutboundInFlight()) return
    this.flush()
    this.#ended = true
    this.socket.end()
  }

  protected destroyNow(): void {
    if (this.state === CLOSED) return
    this.state = CLOSING
    this.dropInbound = true
    this.#chunks = EMPTY_CHUNKS
    this.#slab = undefined
    this.queued = 0
    this.socket.destroy()
  }

  /** @internal */
  onEnd(): void {
    this.setReason('remote-end')
    this.beginClose()
  }

  /** @internal */
  onError(error: NodeJS.ErrnoException): void {
    const code = error.code
    this.setReason(code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : 'error', error)
  }

  /** @internal */
  onDrain(): void {
    if (this.needDrain) this.checkDrain()
  }

  /** @internal */
  onClose(): void {
    if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer)
    this.#closeTimer = undefined
    this.#chunks = EMPTY_CHUNKS
    this.#slab = undefined
    this.queued = 0
    if (this.hasPartialFrame()) this.stats.truncatedFrames++
    this.#decoder = undefined
    this.onSocketClosed()
  }

  /** Hook: part of a frame has arrived and not the rest (what the close cuts off). */
  protected hasPartialFrame(): boolean {
    return !this.dropInbound && this.#decoder !== undefined && this.#decoder.bufferedBytes > 0
  }

  /** Hook: the socket is gone. The worker core first lets the frames still in its worker arrive. */
  protected onSocketClosed(): void {
    this.finish()
  }
}
