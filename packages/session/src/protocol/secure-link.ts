import {
  type CodecError,
  type Frame,
  FrameDecoder,
  FrameTooLargeError,
  HEADER_SIZE,
  type MessageTypeRegistry,
  readFrameHeader,
  readPayloadSize,
  UnknownMessageTypeError,
  writeFrame,
} from '@veltix/codec'
import type { CloseInfo, Connection, ConnectionHandler, ConnectionStats, SendResult } from '@veltix/transport'
import { RESOLVED, tickClock } from '@veltix/transport/internal'
import { SECURE_BATCH_KEEP_BYTES } from '../constants.js'
import { SendRejectedError } from '../errors.js'
import type { SecureChannel } from '../secure/channel.js'
import { SECURE_CODE } from '../secure/constants.js'
import { SecureProtocolError, TruncatedStreamError } from '../secure/errors.js'
import type { SessionCloseReason } from './types.js'

const RECORD_EXTRA = 1 + 16 // record type + tag

/** What the link needs of its session: a way to fail it, and whether its handshake is over. @internal */
export interface SecureLinkHost {
  readonly handshakeDone: boolean
  /** Closes the session at once with `error` (the link's stream cannot go on). */
  fail(error: Error, reason: SessionCloseReason): void
  /** A plaintext frame the client drops while it waits for the server's Finished. */
  droppedHandshakeFrame(): void
}

export interface SecureLinkInit {
  /** Largest outer frame the raw connection accepts: a sealed frame over it is refused up front. */
  maxMessageSize: number
  /** Batch flush threshold in bytes. */
  flushBytes: number
  /** When given, inner frames with codes not in it are dropped (reported as the transport does). */
  registry: MessageTypeRegistry | undefined
}

/**
 * Encryption as a wrapper: a `Connection` around the raw one, installed by the encryption capability. Frames
 * sent through it are sealed (batched per tick, one record per batch), SECURE frames read from the raw
 * connection are opened and their inner frames handed to the session's handler; the session's plain path
 * never looks at encryption state. Until the channel is up (`up`), it only passes the handshake's SECURE frames
 * to `awaitFinished`'s callback, and sends go out as they are. @internal
 */
export class SecureLink implements Connection {
  readonly raw: Connection
  readonly #host: SecureLinkHost
  readonly #init: SecureLinkInit
  #handler: ConnectionHandler | undefined = undefined
  #channel: SecureChannel | undefined = undefined
  #finished: ((record: Uint8Array) => void) | undefined = undefined
  /** Cuts the inner frames out of each opened record (one per link: its fast path reads them in place). */
  #inner: FrameDecoder | undefined = undefined
  #out: Buffer | undefined = undefined
  #outLen = 0
  #flushQueued = false
  #sendState: SendResult = 'ok'
  /** Client, awaiting the server's Finished: plaintext frames are dropped (server: refused). */
  #dropPlaintext = false
  #disposed = false
  readonly #endOfTick = (): void => this.#onEndOfTick()

  constructor(raw: Connection, host: SecureLinkHost, init: SecureLinkInit) {
    this.raw = raw
    this.#host = host
    this.#init = init
  }

  // --- Connection, as seen from the session ------------------------------------------------------------

  get id(): number {
    return this.raw.id
  }
  get remoteAddress(): string {
    return this.raw.remoteAddress
  }
  get remotePort(): number {
    return this.raw.remotePort
  }
  get remoteFamily(): string {
    return this.raw.remoteFamily
  }
  get localAddress(): string {
    return this.raw.localAddress
  }
  get localPort(): number {
    return this.raw.localPort
  }
  get closed(): boolean {
    return this.raw.closed
  }
  get bufferedAmount(): number {
    return this.raw.bufferedAmount + this.#outLen
  }
  get stats(): Readonly<ConnectionStats> {
    return this.raw.stats
  }
  get encrypted(): boolean {
    return this.#channel !== undefined
  }

  /** The channel, once up. */
  get channel(): SecureChannel | undefined {
    return this.#channel
  }

  /** The session's handler; the link puts itself between it and the raw connection. */
  setHandler(handler: ConnectionHandler): void {
    const first = this.#handler === undefined
    this.#handler = handler
    if (first) this.raw.setHandler(new RawSide(this))
  }

  /**
   * One frame: joins the current batch, sealed and written at the end of the tick (or once the batch reaches
   * `flushBytes`); the result is 'ok' / 'backpressure' as of the last write, 'closed' once closing. Throws
   * `FrameTooLargeError` up front when the sealed frame would exceed `maxMessageSize`.
   */
  send(code: number, requestId: number, payload: Uint8Array, timestamp?: number): SendResult {
    const ch = this.#channel
    if (ch === undefined) return this.raw.send(code, requestId, payload, timestamp)
    if (this.raw.closed || ch.closeSent || this.#disposed) return 'closed'
    const n = HEADER_SIZE + payload.length
    if (n + RECORD_EXTRA + HEADER_SIZE > this.#init.maxMessageSize) this.#tooLarge(code, n)
    const out = this.#reserve(n)
    if (out === undefined) return 'closed'
    // One clock reading per synchronous run (as the transport does for plain frames): a burst does not pay
    // a Date.now() per frame.
    const ts = timestamp ?? tickClock()
    if (out === null) {
      // A large frame: its own record, no copy into the batch.
      const one = Buffer.allocUnsafe(n)
      writeFrame(one, 0, code, requestId, payload, ts)
      this.#write(one)
    } else {
      this.#outLen = writeFrame(out, this.#outLen, code, requestId, payload, ts)
    }
    return this.raw.closed ? 'closed' : this.#sendState
  }

  /** Whole encoded frames (a broadcast's, encoded once): sealed like `send`'s, bytes copied into the batch. */
  sendEncoded(frames: Uint8Array): SendResult {
    const ch = this.#channel
    if (ch === undefined) return this.raw.sendEncoded(frames)
    if (this.raw.closed || ch.closeSent || this.#disposed) return 'closed'
    const n = frames.length
    if (n + RECORD_EXTRA + HEADER_SIZE > this.#init.maxMessageSize)
      this.#tooLarge(readFrameHeader(frames, 0).code, n)
    const out = this.#reserve(n)
    if (out === undefined) return 'closed'
    if (out === null) this.#write(frames)
    else {
      out.set(frames, this.#outLen)
      this.#outLen += frames.length
    }
    return this.raw.closed ? 'closed' : this.#sendState
  }

  /**
   * Room for `n` bytes of frames: the batch buffer (write at `#outLen`), null for a frame that takes a
   * record of its own, undefined when the link closed while flushing.
   */
  #reserve(n: number): Buffer | null | undefined {
    const flushBytes = this.#init.flushBytes
    if (n >= flushBytes) {
      this.#flush()
      return this.raw.closed ? undefined : null
    }
    if (this.#outLen + n > flushBytes) {
      this.#flush()
      if (this.raw.closed) return undefined
    }
    let out = this.#out
    const len = this.#outLen
    if (out === undefined || out.length < len + n) {
      const grown = Buffer.allocUnsafe(Math.min(flushBytes, Math.max(1024, 2 * (len + n))))
      if (out !== undefined && len > 0) out.copy(grown, 0, 0, len)
      this.#out = out = grown
    }
    if (!this.#flushQueued) {
      this.#flushQueued = true
      RESOLVED.then(this.#endOfTick)
    }
    return out
  }

  /** A sealed frame of `n` bytes would make an outer frame over `maxMessageSize`. */
  #tooLarge(code: number, n: number): never {
    throw new FrameTooLargeError(code, n + RECORD_EXTRA + HEADER_SIZE, this.#init.maxMessageSize)
  }

  /**
   * Writes what is batched, then the close-notify record (so the peer can tell a clean end from a
   * truncation). False when there is nothing to do (not up, already sent, closed).
   */
  sendCloseNotify(): boolean {
    const ch = this.#channel
    if (ch === undefined || ch.closeSent || this.raw.closed) return false
    this.#flush()
    if (this.raw.closed || ch.closeSent) return false
    try {
      this.raw.send(SECURE_CODE, 0, ch.sealClose(), 0)
      return true
    } catch {
      return false
    }
  }

  close(): Promise<void> {
    this.sendCloseNotify()
    return this.raw.close()
  }

  destroy(error?: Error): void {
    this.dispose()
    this.raw.destroy(error)
  }

  /** Drops the batch and wipes the keys (the session closed). */
  dispose(): void {
    this.#disposed = true
    this.#outLen = 0
    this.#out = undefined
    this.#channel?.dispose()
  }

  // --- handshake ---------------------------------------------------------------------------------------

  /** Until the channel is up, the first SECURE frame(s) go to `onRecord` (the handshake's Finished). */
  awaitFinished(onRecord: (record: Uint8Array) => void, dropPlaintext: boolean): void {
    this.#finished = onRecord
    this.#dropPlaintext = dropPlaintext
  }

  /** The channel is up: every frame from now on travels sealed. */
  up(channel: SecureChannel): void {
    this.#finished = undefined
    this.#channel = channel
    this.#inner = new FrameDecoder({
      // The handler read per frame: a link put around this one later (compression) takes its place.
      onFrame: (f) => this.#handler!.frame(f),
      onError: (e) => this.#onInnerDecodeError(e),
      maxMessageSize: Number.POSITIVE_INFINITY,
      ...(this.#init.registry === undefined ? {} : { registry: this.#init.registry }),
    })
  }

  // --- what the raw connection reports (through `RawSide`) ------------------------------------------------

  /** An outer frame once encryption was negotiated: only SECURE frames are acceptable. */
  receive(f: Frame): void {
    if (this.#disposed) return
    const host = this.#host
    const reason: SessionCloseReason = host.handshakeDone ? 'protocol-error' : 'handshake-failed'
    const ch = this.#channel
    if (f.code !== SECURE_CODE) {
      if (ch === undefined && this.#dropPlaintext) {
        // Sent in the clear before the server's Finished: nothing may be trusted, nothing is answered.
        host.droppedHandshakeFrame()
        return
      }
      host.fail(
        new SecureProtocolError(`a plaintext frame (code ${f.code}) on an encrypted connection`),
        reason,
      )
      return
    }
    if (f.requestId !== 0 || f.timestamp !== 0) {
      host.fail(new SecureProtocolError('a SECURE frame with a non-zero outer id or timestamp'), reason)
      return
    }
    if (ch === undefined) {
      this.#finished?.(f.payload)
      return
    }
    let plaintext: Buffer | null
    try {
      plaintext = ch.openRecord(f.payload)
      if (plaintext === null) return // the peer's close-notify: its end follows
      // Checked before anything in it is delivered: a record is all whole frames or nothing.
      let o = 0
      const pt = plaintext
      while (o + HEADER_SIZE <= pt.length) o += HEADER_SIZE + readPayloadSize(pt, o)
      if (o !== plaintext.length)
        throw new SecureProtocolError('a record that does not end on a frame boundary')
    } catch (error) {
      host.fail(error instanceof Error ? error : new Error(String(error)), reason)
      return
    }
    // A record holds whole frames (checked above), so the decoder is back at a frame boundary after each.
    this.#inner!.push(plaintext)
  }

  /** Once encrypted, a frame lost on the way (bad CRC, altered code) is tampering: nothing after it is whole. */
  receiveDecodeError(e: CodecError): void {
    this.#host.fail(new SecureProtocolError(`outer frame: ${e.message}`, { cause: e }), 'protocol-error')
  }

  receiveDrain(): void {
    this.#sendState = 'ok'
    this.#handler?.drain?.()
  }

  receiveClose(info: CloseInfo): void {
    const ch = this.#channel
    const handler = this.#handler!
    if (info.reason === 'remote-end' && info.error === undefined && ch !== undefined && !ch.peerClosed) {
      handler.close({ reason: info.reason, error: new TruncatedStreamError(ch.receiveSequence) })
      return
    }
    handler.close(info)
  }

  #onInnerDecodeError(e: CodecError): void {
    if (e instanceof UnknownMessageTypeError) {
      this.#handler!.decodeError?.(e)
      return
    }
    // A bad inner CRC or framing inside an authentic record: the peer is broken.
    this.#host.fail(new SecureProtocolError(`inner frame: ${e.message}`, { cause: e }), 'protocol-error')
  }

  #onEndOfTick(): void {
    this.#flushQueued = false
    this.#flush()
    // Idle connections do not keep a burst-sized buffer.
    if (this.#out !== undefined && this.#out.length > SECURE_BATCH_KEEP_BYTES) this.#out = undefined
  }

  /** Seals and writes the batch, if any. */
  #flush(): void {
    if (this.#outLen === 0 || this.raw.closed || this.#disposed) return
    const len = this.#outLen
    this.#outLen = 0
    this.#write(this.#out!.subarray(0, len))
  }

  #write(frames: Uint8Array): void {
    const ch = this.#channel!
    if (ch.closeSent) return
    let r: SendResult
    try {
      r = this.raw.send(SECURE_CODE, 0, ch.sealFrames(frames), 0)
    } catch (error) {
      this.#host.fail(error instanceof Error ? error : new Error(String(error)), 'protocol-error')
      return
    }
    if (r === 'backpressure') this.#sendState = 'backpressure'
    else if (r === 'overflow') {
      // A record the connection refused leaves a gap in the sequence: the stream cannot go on.
      this.#host.fail(new SendRejectedError(r), 'overflow')
    }
  }
}

/** The raw connection's handler: forwards to the link (a `Connection` cannot also be a handler: `close`). */
class RawSide implements ConnectionHandler {
  readonly link: SecureLink
  constructor(link: SecureLink) {
    this.link = link
  }
  frame(f: Frame): void {
    this.link.receive(f)
  }
  decodeError(e: CodecError): void {
    this.link.receiveDecodeError(e)
  }
  drain(): void {
    this.link.receiveDrain()
  }
  close(info: CloseInfo): void {
    this.link.receiveClose(info)
  }
}
