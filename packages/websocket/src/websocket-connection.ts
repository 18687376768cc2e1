import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import {
  ChecksumMismatchError,
  type CodecError,
  decodeFrame,
  FrameTooLargeError,
  HEADER_SIZE,
  MalformedFrameError,
  type MessageTypeRegistry,
  UnknownMessageTypeError,
  writeFrame,
} from '@veltix/codec'
import type { LoggerLike } from '@veltix/logger'
import {
  type CloseInfo,
  type CloseReason,
  type Connection,
  type ConnectionHandler,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_OVERFLOW_POLICY,
  type FrameStats,
  OverflowError,
  type SendResult,
} from '@veltix/transport'
import { WebSocket } from 'ws'
import { CloseCode, DEFAULT_CLOSE_TIMEOUT, FLUSH_THRESHOLD, LARGE_FRAME } from './constants.js'
import {
  FrameChecksumError,
  MessageTooLargeError,
  NotOneFrameError,
  TextMessageError,
  type WebSocketListenerError,
  WebSocketProtocolError,
} from './errors.js'
import { headerSize, mask, writeHeader } from './ws-framing.js'

const OPEN = 0
const CLOSING = 1
const CLOSED = 2
const MIN_SLAB = 256
/** Frames up to this size are copied into the tick's slab by `sendEncoded`; larger ones are shared, not copied. */
const COPY_ENCODED = 4096
const EMPTY: Buffer[] = []

/** Outbound queue settings, as on TCP (all optional; the transport's defaults). */
export interface QueueInit {
  /** Outbound queue size above which `send` reports `'backpressure'` (default 1 MiB). */
  highWaterMark?: number
  /** Hard cap on a connection's outbound queue (default: max(32 MiB, 2 × maxMessageSize)). */
  maxQueuedBytes?: number
  /** Over the hard cap: refuse that send (`'error'`, default) or close the connection (`'close'`). */
  overflowPolicy?: 'error' | 'close'
  /** ms a graceful close waits for the peer's close frame before dropping the socket (default 2000). */
  closeTimeout?: number
}

/** Fills the defaults of `QueueInit` (the hard cap fits two of the largest frames, as on TCP). */
export function connectionOptions(
  init: QueueInit,
  base: Pick<WebSocketConnectionOptions, 'maxMessageSize' | 'maxPayload' | 'registry' | 'logger'>,
): WebSocketConnectionOptions {
  const max = base.maxMessageSize
  return {
    ...base,
    highWaterMark: init.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
    maxQueuedBytes:
      init.maxQueuedBytes ?? Math.max(DEFAULT_MAX_QUEUED_BYTES, Number.isFinite(max) ? 2 * max : 0),
    overflowPolicy: init.overflowPolicy ?? DEFAULT_OVERFLOW_POLICY,
    closeTimeout: init.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT,
  }
}

/** What every connection of one listener shares (resolved once per listener). */
export interface WebSocketConnectionOptions {
  maxMessageSize: number
  maxPayload: number
  registry: MessageTypeRegistry | undefined
  highWaterMark: number
  maxQueuedBytes: number
  overflowPolicy: 'error' | 'close'
  closeTimeout: number
  logger: LoggerLike
}

// `ws` error codes (WS_ERR_…) and the close code it sends for each, where it is not 1002.
const WS_CLOSE_CODES: Record<string, number> = {
  WS_ERR_INVALID_UTF8: CloseCode.INVALID_PAYLOAD,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: CloseCode.MESSAGE_TOO_BIG,
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: CloseCode.MESSAGE_TOO_BIG,
}

// Connections with frames to flush at the end of this tick: one microtask for all of them.
let due: WebSocketConnection[] = []
const RESOLVED = Promise.resolve()
function flushDue(): void {
  const list = due
  due = []
  for (const conn of list) conn.scheduledFlush()
}

/**
 * One accepted WebSocket as a Veltix `Connection` (the transport's interface), so the server runs the same
 * session on it as on a TCP connection. Inbound: each binary message must be exactly one whole frame,
 * checked with the codec's `decodeFrame` (length, size limit, CRC-32); anything else closes this connection
 * with a typed error and a close code. Outbound: frames are written as unmasked binary WebSocket frames
 * straight to the socket, coalesced per tick into one corked write (as the TCP transport does), one
 * WebSocket message per Veltix frame; `ws` keeps the inbound parsing, control frames and the close handshake.
 */
export class WebSocketConnection implements Connection {
  readonly remoteAddress: string
  readonly remotePort: number
  readonly remoteFamily: string
  readonly localAddress: string
  readonly localPort: number
  /** The upgrade request's `Origin` header (browsers always send one), or undefined. */
  readonly origin: string | undefined
  /** The upgrade request's URL path and query, e.g. `/veltix?room=1`. */
  readonly path: string
  /** The close code the peer sent (1005 when its close frame had none, 1006 when it sent none), once closed. */
  remoteCloseCode: number | undefined
  /** Called once when the connection is fully closed (the listener forgets it). */
  onFinished: ((conn: WebSocketConnection) => void) | undefined
  readonly #ws: WebSocket
  readonly #socket: Socket
  readonly #opts: WebSocketConnectionOptions
  /** Client side: every frame we write is masked (RFC 6455 §5.3); the server side writes unmasked frames. */
  readonly #masked: boolean
  #handler: ConnectionHandler | undefined
  #state = OPEN
  #closeInfo: CloseInfo | undefined
  #reported = false
  #closedWait: { promise: Promise<void>; resolve: () => void } | undefined
  #dropInbound = false
  #needDrain = false
  #stats: FrameStats | undefined
  /** Messages that arrived before `setHandler` (`ws` may have parsed some before the socket paused). */
  #inbox: { data: Buffer; binary: boolean }[] | undefined
  // Outbound, in wire bytes (WebSocket headers included): sealed chunks, then the open slab [#slabStart, #slabUsed).
  #chunks: Buffer[] = EMPTY
  #slab: Buffer | undefined
  #slabStart = 0
  #slabUsed = 0
  #queued = 0
  /** The Veltix frame bytes in #queued (what `stats.bytesOut` counts once written: WebSocket headers are not). */
  #queuedFrameBytes = 0
  #flushScheduled = false
  #closeTimer: NodeJS.Timeout | undefined

  constructor(
    readonly id: number,
    ws: WebSocket,
    socket: Socket,
    request: { headers: { origin?: string | undefined }; url?: string | undefined },
    opts: WebSocketConnectionOptions,
    role: 'server' | 'client' = 'server',
  ) {
    this.#ws = ws
    this.#masked = role === 'client'
    this.#socket = socket
    this.#opts = opts
    this.remoteAddress = socket.remoteAddress ?? ''
    this.remotePort = socket.remotePort ?? 0
    this.remoteFamily = socket.remoteFamily ?? ''
    this.localAddress = socket.localAddress ?? ''
    this.localPort = socket.localPort ?? 0
    this.origin = request.headers.origin
    this.path = request.url ?? '/'
    this.remoteCloseCode = undefined
    this.onFinished = undefined
    // Nothing is read until a handler is set (as on TCP); `ws` resumes the socket on `resume()`.
    ws.pause()
    ws.on('message', (data: Buffer, binary: boolean) => this.#onMessage(data, binary))
    ws.on('error', (error: Error & { code?: string }) => this.#onWsError(error))
    ws.on('close', (code: number) => this.#onWsClose(code))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const reset = error.code === 'ECONNRESET' || error.code === 'EPIPE'
      this.#setReason(reset ? 'reset' : 'error', error)
    })
  }

  get closed(): boolean {
    return this.#state !== OPEN
  }

  get bufferedAmount(): number {
    return this.#queued + this.#socket.writableLength
  }

  /** True when the WebSocket runs over TLS (`wss://`, a listener on an `https` server). */
  get encrypted(): boolean {
    return (this.#socket as TLSSocket).encrypted === true
  }

  get authorized(): boolean {
    return (this.#socket as TLSSocket).authorized === true
  }

  get authorizationError(): Error | undefined {
    return undefined
  }

  get stats(): FrameStats {
    this.#stats ??= {
      framesIn: 0,
      framesOut: 0,
      bytesIn: 0,
      bytesOut: 0,
      checksumErrors: 0,
      unknownTypes: 0,
      overflowRejected: 0,
      truncatedFrames: 0,
    }
    return this.#stats
  }

  setHandler(handler: ConnectionHandler): void {
    const first = this.#handler === undefined
    this.#handler = handler
    if (this.#state === CLOSED) {
      queueMicrotask(() => this.#reportClose())
      return
    }
    if (!first) return
    const inbox = this.#inbox
    this.#inbox = undefined
    if (inbox !== undefined) for (const m of inbox) this.#onMessage(m.data, m.binary)
    this.#ws.resume()
  }

  send(code: number, requestId: number, payload: Uint8Array, timestamp?: number): SendResult {
    if (this.#state !== OPEN) return 'closed'
    const len = HEADER_SIZE + payload.length
    const opts = this.#opts
    if (len > opts.maxMessageSize) throw new FrameTooLargeError(code, len, opts.maxMessageSize)
    const before = this.bufferedAmount
    if (before + len > opts.maxQueuedBytes) return this.#overflow(before, len)
    const masked = this.#masked
    const h = headerSize(len, masked)
    const ts = timestamp ?? Date.now()
    if (len >= LARGE_FRAME) {
      const buf = Buffer.allocUnsafe(h + len)
      writeFrame(buf, writeHeader(buf, 0, len, masked), code, requestId, payload, ts)
      if (masked) mask(buf, h, len)
      this.#seal()
      this.#push(buf)
    } else {
      const slab = this.#room(h + len)
      // The header is written past #slabUsed first: if writeFrame throws (bad code or id), nothing is queued.
      const at = writeHeader(slab, this.#slabUsed, len, masked)
      this.#slabUsed = writeFrame(slab, at, code, requestId, payload, ts)
      if (masked) mask(slab, at, len)
    }
    this.#queuedFrameBytes += len
    this.#queueBytes(h + len)
    this.stats.framesOut++
    return this.#accepted(before + len)
  }

  /**
   * Queues bytes that are one or more whole encoded frames (broadcast encodes once for every connection):
   * each frame becomes one WebSocket message. Throws `MalformedFrameError` when the bytes do not split into
   * whole frames (nothing is queued then). Large frames are shared, not copied: do not change them afterwards.
   */
  sendEncoded(frames: Uint8Array): SendResult {
    if (this.#state !== OPEN) return 'closed'
    const total = frames.length
    let wire = 0
    for (let o = 0; o < total; ) {
      if (total - o < HEADER_SIZE)
        throw new MalformedFrameError(`sendEncoded: ${total - o} bytes left, not a frame`)
      const len = HEADER_SIZE + readU32(frames, o + 2)
      if (o + len > total)
        throw new MalformedFrameError(`sendEncoded: a ${len}-byte frame at ${o} runs past the ${total} bytes`)
      wire += headerSize(len, this.#masked) + len
      o += len
    }
    const before = this.bufferedAmount
    if (total === 0) return this.#accepted(before)
    if (before + total > this.#opts.maxQueuedBytes) return this.#overflow(before, total)
    for (let o = 0; o < total; ) {
      const len = HEADER_SIZE + readU32(frames, o + 2)
      const frame = frames.subarray(o, o + len)
      const masked = this.#masked
      if (len <= COPY_ENCODED || masked) {
        // Copied: into the slab, or (masked, so never shared) a buffer of its own when large.
        const h = headerSize(len, masked)
        const buf = len < LARGE_FRAME ? this.#room(h + len) : Buffer.allocUnsafe(h + len)
        const from = buf === this.#slab ? this.#slabUsed : 0
        const at = writeHeader(buf, from, len, masked)
        buf.set(frame, at)
        if (masked) mask(buf, at, len)
        if (buf === this.#slab) this.#slabUsed = at + len
        else {
          this.#seal()
          this.#push(buf)
        }
      } else {
        const head = Buffer.allocUnsafe(headerSize(len, false))
        writeHeader(head, 0, len, false)
        this.#seal()
        this.#push(head)
        this.#push(Buffer.from(frame.buffer, frame.byteOffset, len))
      }
      o += len
    }
    this.#queuedFrameBytes += total
    this.#queueBytes(wire)
    return this.#accepted(before + total)
  }

  /** Graceful close: flushes what was queued, sends close 1000, waits (bounded) for the peer's close. */
  close(): Promise<void> {
    if (this.#state === OPEN) {
      this.#setReason('local')
      this.#beginClose(CloseCode.NORMAL, '')
    }
    return this.#closedPromise()
  }

  /** Server shutdown: like `close()` with close code 1001 (going away) and reason `'server-closed'`. */
  serverClose(): Promise<void> {
    if (this.#state === OPEN) {
      this.#setReason('server-closed')
      this.#beginClose(CloseCode.GOING_AWAY, 'server closing')
    }
    return this.#closedPromise()
  }

  /** Abrupt close: drops the queue and the socket, no close handshake. */
  destroy(error?: Error): void {
    if (this.#state === CLOSED) return
    this.#setReason('local', error)
    this.#destroyNow()
  }

  /** @internal Runs the flush scheduled by `#queueBytes`. */
  scheduledFlush(): void {
    this.#flushScheduled = false
    this.#flush()
    if (this.#needDrain) this.#checkDrain()
  }

  // ---- inbound -------------------------------------------------------------------------------------

  #onMessage(data: Buffer, binary: boolean): void {
    if (this.#dropInbound || this.#state === CLOSED) return
    if (this.#handler === undefined) {
      this.#inbox ??= []
      this.#inbox.push({ data, binary })
      return
    }
    if (!binary) {
      this.#fail(new TextMessageError(data.length))
      return
    }
    let frame: ReturnType<typeof decodeFrame>
    try {
      frame = decodeFrame(data, { maxMessageSize: this.#opts.maxMessageSize })
    } catch (error) {
      this.#badFrame(error)
      return
    }
    const registry = this.#opts.registry
    if (registry !== undefined && !registry.has(frame.code)) {
      // As on TCP: reported, counted and dropped; the connection stays.
      this.#decodeError(new UnknownMessageTypeError(frame.code, frame.payload.length, frame.requestId))
      return
    }
    const stats = this.stats
    stats.framesIn++
    stats.bytesIn += data.length
    try {
      this.#handler.frame(frame)
    } catch (err) {
      this.#opts.logger.error('websocket: frame handler threw', {
        connection: this.id,
        code: frame.code,
        error: err,
      })
    }
  }

  #badFrame(error: unknown): void {
    if (error instanceof ChecksumMismatchError) {
      this.#decodeError(error)
      this.#fail(new FrameChecksumError(error.message, { cause: error }))
    } else if (error instanceof FrameTooLargeError) {
      this.#decodeError(error)
      this.#fail(new MessageTooLargeError(error.message, { cause: error }))
    } else if (error instanceof MalformedFrameError) {
      this.#fail(new NotOneFrameError(error.message, { cause: error }))
    } else throw error
  }

  #decodeError(error: CodecError): void {
    if (error instanceof ChecksumMismatchError) this.stats.checksumErrors++
    else if (error instanceof UnknownMessageTypeError) this.stats.unknownTypes++
    this.#opts.logger.warning(`websocket: ${error.message}`, { connection: this.id })
    try {
      this.#handler?.decodeError?.(error)
    } catch (err) {
      this.#opts.logger.error('websocket: decodeError handler threw', { connection: this.id, error: err })
    }
  }

  /** Bad input: this connection closes with the error's close code (its `code` as the close reason). */
  #fail(error: WebSocketListenerError): void {
    this.#opts.logger.warning(
      `websocket: closing ${this.remoteAddress}:${this.remotePort}: ${error.message}`,
      {
        connection: this.id,
      },
    )
    this.#setReason('protocol-error', error)
    this.#beginClose(error.closeCode, error.code)
  }

  #onWsError(error: Error & { code?: string }): void {
    // `ws` found a WebSocket-level violation (it sends the close frame itself).
    const wsCode = error.code ?? 'WS_ERR'
    const typed =
      wsCode === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
        ? new MessageTooLargeError(`message over maxPayload (${this.#opts.maxPayload} bytes)`, {
            cause: error,
          })
        : new WebSocketProtocolError(
            wsCode,
            WS_CLOSE_CODES[wsCode] ?? CloseCode.PROTOCOL_ERROR,
            error.message,
            {
              cause: error,
            },
          )
    this.#opts.logger.warning(
      `websocket: closing ${this.remoteAddress}:${this.remotePort}: ${typed.message}`,
      {
        connection: this.id,
      },
    )
    this.#setReason('protocol-error', typed)
    this.#dropInbound = true
    if (this.#state === OPEN) this.#state = CLOSING
    this.#armCloseTimer()
  }

  #onWsClose(code: number): void {
    this.remoteCloseCode = code
    if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer)
    this.#closeTimer = undefined
    this.#chunks = EMPTY
    this.#slab = undefined
    this.#queued = 0
    this.#queuedFrameBytes = 0
    this.#inbox = undefined
    this.#setReason('remote-end')
    this.#finish()
  }

  // ---- outbound ------------------------------------------------------------------------------------

  /** The open slab, with room for `n` more bytes at #slabUsed. */
  #room(n: number): Buffer {
    let slab = this.#slab
    if (slab === undefined || slab.length - this.#slabUsed < n) {
      this.#seal()
      const size = slab === undefined ? MIN_SLAB : Math.min(slab.length * 2, FLUSH_THRESHOLD)
      slab = Buffer.allocUnsafe(Math.max(size, n))
      this.#slab = slab
      this.#slabStart = 0
      this.#slabUsed = 0
    }
    return slab
  }

  #seal(): void {
    const slab = this.#slab
    if (slab === undefined) return
    if (this.#slabUsed > this.#slabStart) {
      this.#push(slab.subarray(this.#slabStart, this.#slabUsed))
      this.#slabStart = this.#slabUsed
    }
    if (slab.length - this.#slabUsed < MIN_SLAB) this.#slab = undefined
  }

  #push(chunk: Buffer): void {
    if (this.#chunks === EMPTY) this.#chunks = [chunk]
    else this.#chunks.push(chunk)
  }

  #queueBytes(n: number): void {
    this.#queued += n
    if (this.#queued >= FLUSH_THRESHOLD) this.#flush()
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true
      if (due.push(this) === 1) RESOLVED.then(flushDue)
    }
  }

  /** Hands everything queued to the socket in one write (one corked writev for several chunks). */
  #flush(): void {
    if (this.#queued === 0) return
    this.#seal()
    const chunks = this.#chunks
    const bytes = this.#queuedFrameBytes
    this.#chunks = EMPTY
    this.#queued = 0
    this.#queuedFrameBytes = 0
    this.#slab = undefined // an idle connection keeps no buffer
    // After a close frame (ours or the peer's) nothing more may be written.
    if (this.#ws.readyState !== WebSocket.OPEN || !this.#socket.writable) return
    const socket = this.#socket
    if (chunks.length === 1) socket.write(chunks[0]!)
    else {
      socket.cork()
      for (const c of chunks) socket.write(c)
      socket.uncork()
    }
    this.stats.bytesOut += bytes
  }

  #accepted(total: number): SendResult {
    if (total <= this.#opts.highWaterMark) return 'ok'
    if (!this.#needDrain) {
      this.#needDrain = true
      this.#socket.once('drain', () => this.#checkDrain())
    }
    return 'backpressure'
  }

  #checkDrain(): void {
    if (!this.#needDrain || this.#state !== OPEN) return
    if (this.bufferedAmount > this.#opts.highWaterMark) {
      if (this.#queued === 0) this.#socket.once('drain', () => this.#checkDrain())
      return
    }
    this.#needDrain = false
    try {
      this.#handler?.drain?.()
    } catch (err) {
      this.#opts.logger.error('websocket: drain handler threw', { connection: this.id, error: err })
    }
  }

  #overflow(queued: number, len: number): SendResult {
    this.stats.overflowRejected++
    if (this.#opts.overflowPolicy === 'close') {
      const error = new OverflowError(queued, len, this.#opts.maxQueuedBytes)
      this.#opts.logger.warning(`websocket: ${error.message}; closing the connection`, {
        connection: this.id,
      })
      this.#setReason('overflow', error)
      this.#destroyNow()
    }
    return 'overflow'
  }

  // ---- closing -------------------------------------------------------------------------------------

  #beginClose(code: number, reason: string): void {
    if (this.#state === CLOSED) return
    this.#state = CLOSING
    this.#dropInbound = true
    this.#flush()
    this.#ws.close(code, reason)
    // Keep reading (what arrives is dropped) so the peer's close frame is seen, handler or not.
    this.#ws.resume()
    this.#armCloseTimer()
  }

  /** Bounded wait for the peer's close frame (`ws` alone would wait 30 s). */
  #armCloseTimer(): void {
    if (this.#closeTimer !== undefined) return
    this.#closeTimer = setTimeout(() => this.#ws.terminate(), this.#opts.closeTimeout)
    this.#closeTimer.unref()
  }

  #destroyNow(): void {
    this.#state = CLOSING
    this.#dropInbound = true
    this.#chunks = EMPTY
    this.#slab = undefined
    this.#queued = 0
    this.#queuedFrameBytes = 0
    this.#ws.terminate()
  }

  #setReason(reason: CloseReason, error?: Error): void {
    if (this.#closeInfo !== undefined) return
    this.#closeInfo = error === undefined ? { reason } : { reason, error }
  }

  #closedPromise(): Promise<void> {
    if (this.#state === CLOSED) return Promise.resolve()
    if (this.#closedWait === undefined) {
      let resolve!: () => void
      const promise = new Promise<void>((r) => {
        resolve = r
      })
      this.#closedWait = { promise, resolve }
    }
    return this.#closedWait.promise
  }

  #finish(): void {
    if (this.#state === CLOSED) return
    this.#state = CLOSED
    this.#reportClose()
    this.#closedWait?.resolve()
    const onFinished = this.onFinished
    this.onFinished = undefined
    onFinished?.(this)
  }

  #reportClose(): void {
    if (this.#reported || this.#handler === undefined || this.#state !== CLOSED) return
    this.#reported = true
    try {
      this.#handler.close(this.#closeInfo!)
    } catch (err) {
      this.#opts.logger.error('websocket: close handler threw', { connection: this.id, error: err })
    }
  }
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
}
