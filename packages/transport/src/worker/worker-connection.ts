import type { Socket } from 'node:net'
import {
  ChecksumMismatchError,
  type CodecError,
  crc32,
  type Frame,
  type FrameHeader,
  FrameTooLargeError,
  HEADER_SIZE,
  readFrameHeader,
  readPayloadSize,
  UnknownMessageTypeError,
} from '@veltix/codec'
import { CLOSED } from '../connection-base.js'
import { WORKER_MAX_INFLIGHT_IN, WORKER_OFFLOAD_BYTES } from '../constants.js'
import { SocketConnection } from '../loop/socket-connection.js'
import type { ResolvedOptions } from '../options.js'
import type { LinkedConnection, WorkerLink } from './worker-pool.js'

const EMPTY = new Uint8Array(0)

/** One inbound frame (or decode error) waiting for its turn: frames behind a large one wait for its CRC. */
interface Held {
  code: number
  requestId: number
  timestamp: number
  payload: Uint8Array
  size: number
  /** CRC-32 the header declares. */
  expected: number
  /** Still in the worker for its CRC. */
  awaiting: boolean
  /** Set instead of a frame: an error to report in its place. */
  error: CodecError | undefined
}

/**
 * Inbound state of a connection while a large frame is on its way (created at the start of one, dropped once
 * the input is back at a frame boundary with nothing waiting): the frame being assembled, a header split
 * across chunks, and what is held for in-order delivery.
 */
class Inbound implements FrameHeader {
  readonly held: Held[] = []
  head = 0
  /** Payload bytes held or being assembled (inbound flow control). */
  bytes = 0
  /** Held frames whose CRC is still in the worker. */
  awaiting = 0
  /** Payload being assembled (its own ArrayBuffer when it goes to the worker). */
  asm: Buffer | undefined
  filled = 0
  // The header of the frame being assembled (filled by the codec's `readFrameHeader`).
  code = 0
  size = 0
  checksum = 0
  timestamp = 0
  requestId = 0
  readonly hdr = Buffer.allocUnsafe(HEADER_SIZE)
  hdrLen = 0
  /** A fatal error is held: the rest of the input is ignored. */
  failed = false
}

/**
 * Worker core connection: the socket stays on the main thread (Node 20 cannot hand a socket to a
 * worker_thread). Small frames are cut and checked here exactly as on the loop core. A large inbound frame
 * (≥ WORKER_OFFLOAD_BYTES) is assembled here into a buffer of its own (a copy, ~20 GB/s) and that buffer is
 * handed (transferred; one message per loop turn, never per chunk) to a worker for its CRC-32, while this thread goes
 * on reading and cutting what follows; frames behind it are held until its CRC comes back, so delivery stays
 * in order. Outbound frames are encoded here, as on the loop core (measured: handing large ones to a worker
 * cost more in copies and thread wake-ups than their CRC).
 */
export class WorkerConnection extends SocketConnection implements LinkedConnection {
  readonly #link: WorkerLink
  readonly #key: number
  #readPaused = false
  #linked = true
  #finishPending = false
  /** Set while a large frame is assembled or frames wait for a CRC from the worker. */
  #in: Inbound | undefined

  constructor(id: number, socket: Socket, opts: ResolvedOptions, link: WorkerLink, key: number) {
    super(id, socket, opts)
    this.#link = link
    this.#key = key
    link.open(key, this)
  }

  protected override ingest(chunk: Buffer): void {
    // At a frame boundary with nothing held, chunks take the loop core's path (which offers the tail of a
    // chunk that starts a large frame to `offloadTail`).
    const s = this.#in
    if (s === undefined) super.ingest(chunk)
    else if (!this.dropInbound && this.state !== CLOSED) this.#cut(s, chunk)
  }

  protected override offloadTail(tail: Buffer): boolean {
    if (tail.length < HEADER_SIZE || HEADER_SIZE + readPayloadSize(tail, 0) < WORKER_OFFLOAD_BYTES)
      return false
    if (!this.#linked) return false
    const s = new Inbound()
    this.#in = s
    this.#cut(s, tail)
    return true
  }

  /** Cuts `chunk`: small frames checked here, large ones assembled and sent to the worker; all held in order. */
  #cut(s: Inbound, chunk: Buffer): void {
    if (s.failed) return
    const n = chunk.length
    let o = 0
    while (o < n) {
      const asm = s.asm
      if (asm !== undefined) {
        const take = Math.min(n - o, asm.length - s.filled)
        chunk.copy(asm, s.filled, o, o + take)
        s.filled += take
        o += take
        if (s.filled === asm.length) this.#assembled(s, asm)
        continue
      }
      let h: Buffer
      let ho: number
      if (s.hdrLen > 0 || n - o < HEADER_SIZE) {
        const take = Math.min(HEADER_SIZE - s.hdrLen, n - o)
        chunk.copy(s.hdr, s.hdrLen, o, o + take)
        s.hdrLen += take
        o += take
        if (s.hdrLen < HEADER_SIZE) break
        s.hdrLen = 0
        h = s.hdr
        ho = 0
      } else {
        h = chunk
        ho = o
        o += HEADER_SIZE
      }
      readFrameHeader(h, ho, s)
      const size = s.size
      const total = HEADER_SIZE + size
      const limit = this.opts.maxMessageSize
      if (total > limit) {
        // Fatal, from the header alone (nothing of the payload is buffered); reported in its turn.
        s.failed = true
        this.#hold(s, s.code, 0, 0, EMPTY, 0, false, new FrameTooLargeError(s.code, total, limit))
        break
      }
      if (total < WORKER_OFFLOAD_BYTES && n - o >= size) {
        // A small frame inside this chunk: a view, checked here.
        this.#checked(s, chunk.subarray(o, o + size))
        o += size
        continue
      }
      // A large payload gets an ArrayBuffer of its own (transferable to the worker); a small one may come from
      // Node's pool.
      const buf = total >= WORKER_OFFLOAD_BYTES ? Buffer.allocUnsafeSlow(size) : Buffer.allocUnsafe(size)
      s.asm = buf
      s.filled = 0
      s.bytes += size
      if (size === 0) this.#assembled(s, buf)
    }
    this.#release(s)
    // Inbound flow control: stop reading while a lot is held for the worker's answers.
    if (s.bytes > WORKER_MAX_INFLIGHT_IN && !this.#readPaused && this.state !== CLOSED) {
      this.#readPaused = true
      this.socket.pause()
    }
  }

  /** The frame being assembled is complete. */
  #assembled(s: Inbound, payload: Buffer): void {
    s.asm = undefined
    s.bytes -= payload.length
    if (HEADER_SIZE + payload.length < WORKER_OFFLOAD_BYTES) {
      this.#checked(s, payload)
      return
    }
    this.#hold(s, s.code, s.requestId, s.timestamp, payload, s.checksum, true, undefined)
    s.awaiting++
    this.#link.check(this.#key, payload.buffer as ArrayBuffer)
  }

  /** Checks a small payload here (as the loop core does) and holds the frame or its error. */
  #checked(s: Inbound, payload: Uint8Array): void {
    const actual = payload.length === 0 ? 0 : crc32(payload)
    this.#hold(
      s,
      s.code,
      s.requestId,
      s.timestamp,
      payload,
      s.checksum,
      false,
      this.#verdict(s.code, payload.length, s.checksum, actual, s.requestId),
    )
  }

  #verdict(
    code: number,
    size: number,
    expected: number,
    actual: number,
    rid: number,
  ): CodecError | undefined {
    if (actual !== expected) return new ChecksumMismatchError(code, size, expected, actual, rid)
    const registry = this.opts.registry
    if (registry !== undefined && !registry.has(code)) return new UnknownMessageTypeError(code, size, rid)
    return undefined
  }

  #hold(
    s: Inbound,
    code: number,
    requestId: number,
    timestamp: number,
    payload: Uint8Array,
    expected: number,
    awaiting: boolean,
    error: CodecError | undefined,
  ): void {
    s.held.push({ code, requestId, timestamp, payload, size: payload.length, expected, awaiting, error })
    s.bytes += payload.length
  }

  /** Delivers what is at the head of the held queue and ready; leaves the large-frame mode when all is out. */
  #release(s: Inbound): void {
    const held = s.held
    while (s.head < held.length) {
      const e = held[s.head]!
      if (e.awaiting) break
      held[s.head++] = undefined as unknown as Held
      s.bytes -= e.size
      if (e.error !== undefined) {
        if (this.state !== CLOSED) this.onDecodeError(e.error)
      } else {
        const frame: Frame = {
          code: e.code,
          requestId: e.requestId,
          timestamp: e.timestamp,
          payload: e.payload,
        }
        this.deliverFrame(frame)
      }
      if (this.#in !== s) return // closed (and cleared) by a handler
    }
    if (s.head === held.length) {
      held.length = 0
      s.head = 0
      if (s.asm === undefined && s.hdrLen === 0 && !s.failed) this.#in = undefined
    }
    if (this.#readPaused && s.bytes <= WORKER_MAX_INFLIGHT_IN / 2) {
      this.#readPaused = false
      if (this.state !== CLOSED) this.socket.resume()
    }
  }

  onWorkerCrc(crc: number, payload: Buffer): void {
    const s = this.#in
    if (s === undefined) return // closed meanwhile
    const held = s.held
    let i = s.head
    while (i < held.length && !held[i]!.awaiting) i++
    const e = held[i]
    if (e === undefined) return
    // Answers come back in the order the payloads went (one worker per connection).
    e.awaiting = false
    s.awaiting--
    // The payload's buffer was transferred (detached here): the frame gets the one handed back.
    e.payload = payload
    e.error = this.#verdict(e.code, e.size, e.expected, crc, e.requestId)
    this.#release(s)
    if (this.#finishPending && (s.awaiting === 0 || this.dropInbound)) this.#unlinkAndFinish()
  }

  onWorkerCrash(error: Error): void {
    this.#linked = false
    if (this.state === CLOSED) return
    this.setReason('error', error)
    if (this.#finishPending) this.#unlinkAndFinish()
    else this.destroyNow()
  }

  protected override hasPartialFrame(): boolean {
    const s = this.#in
    if (s === undefined || s.failed || this.dropInbound) return super.hasPartialFrame()
    return s.asm !== undefined || s.hdrLen > 0
  }

  protected override onSocketClosed(): void {
    // Frames read before the peer's FIN may still wait for a CRC from the worker: deliver them first.
    const s = this.#in
    if (s !== undefined && s.awaiting > 0 && this.#linked && !this.dropInbound) {
      this.#finishPending = true
      return
    }
    this.#unlinkAndFinish()
  }

  #unlinkAndFinish(): void {
    this.#finishPending = false
    this.#in = undefined
    this.#link.close(this.#key)
    this.#linked = false
    this.finish()
  }
}
