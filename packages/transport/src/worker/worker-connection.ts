import type { Socket } from 'node:net'
import {
  ChecksumMismatchError,
  FrameTooLargeError,
  HEADER_SIZE,
  UnknownMessageTypeError,
  writeFrame,
} from '@veltix/codec'
import { CLOSED, CLOSING } from '../connection-base.js'
import { WORKER_MAX_INFLIGHT_IN, WORKER_OFFLOAD_BYTES } from '../constants.js'
import type { ResolvedOptions } from '../options.js'
import { SocketConnection } from '../socket-connection.js'
import { ERROR_TOO_LARGE } from './protocol.js'
import type { LinkedConnection, WorkerLink } from './worker-pool.js'

const SCRATCH = Buffer.alloc(HEADER_SIZE)
const EMPTY = new Uint8Array(0)

/**
 * Worker core connection: the socket stays on the main thread (Node 20 cannot hand a socket to a
 * worker_thread). Large frames (≥ WORKER_OFFLOAD_BYTES) are cut / CRC-checked / encoded in a worker, in
 * batches; small ones are handled here exactly as on the loop core (a trip through a worker costs more than
 * their CRC, and adds two thread hops of latency). Order holds: inbound bytes go to the worker from the start
 * of a large frame until it reports being back at a frame boundary with none of ours left; an outbound frame
 * is encoded here only while no frame of ours is in the worker, else it queues behind them there.
 */
export class WorkerConnection extends SocketConnection implements LinkedConnection {
  readonly #link: WorkerLink
  readonly #key: number
  #inflightOut = 0
  #inflightIn = 0
  #readPaused = false
  #linked = true
  #finishPending = false
  /** Inbound bytes go to the worker (a large frame is being cut there); else they are cut here. */
  #viaWorker = false
  /** The worker knows this connection (told on its first record: idle connections cost it nothing). */
  #active = false

  constructor(id: number, socket: Socket, opts: ResolvedOptions, link: WorkerLink, key: number) {
    super(id, socket, opts)
    this.#link = link
    this.#key = key
    link.open(key, this)
  }

  override get bufferedAmount(): number {
    return this.queued + this.#inflightOut + this.socket.writableLength
  }

  protected override startReading(): void {
    this.attachReader()
  }

  protected override ingest(chunk: Buffer): void {
    // At a frame boundary with nothing in the worker, chunks are cut here (the loop core's path, which
    // offers the tail of a chunk that starts a large frame to `offloadTail`).
    if (!this.#viaWorker) super.ingest(chunk)
    else this.#toWorker(chunk)
  }

  protected override offloadTail(tail: Buffer): boolean {
    if (tail.length < HEADER_SIZE || HEADER_SIZE + tail.readUInt32BE(2) < WORKER_OFFLOAD_BYTES) return false
    // A large frame starts here: its bytes, and the stream after it, go to the worker until it reports
    // being back at a frame boundary with nothing of ours left.
    this.#viaWorker = true
    this.#toWorker(tail)
    return true
  }

  #activate(): void {
    if (this.#active) return
    this.#active = true
    this.#link.activate(this.#key, this.opts.maxMessageSize)
  }

  #toWorker(chunk: Buffer): void {
    if (this.dropInbound || !this.#linked) return
    this.#activate()
    this.#link.data(this.#key, chunk)
    this.#inflightIn += chunk.length
    // Inbound flow control: stop reading while the worker has a lot of our bytes to get through.
    if (this.#inflightIn > WORKER_MAX_INFLIGHT_IN && !this.#readPaused) {
      this.#readPaused = true
      this.socket.pause()
    }
  }

  protected override encode(
    code: number,
    requestId: number,
    payload: Uint8Array,
    timestamp: number,
    len: number,
  ): void {
    // Small frames, when none of ours is on its way back from the worker, are encoded here (order holds).
    if (len < WORKER_OFFLOAD_BYTES && this.#inflightOut === 0) {
      super.encode(code, requestId, payload, timestamp, len)
      return
    }
    // Validate here (typed errors to the caller, nothing queued); the worker then cannot fail on it.
    writeFrame(SCRATCH, 0, code, requestId, EMPTY, timestamp)
    this.#activate()
    this.#link.frame(this.#key, code, requestId, payload, timestamp)
    this.#inflightOut += len
  }

  protected override encodeRaw(frames: Uint8Array): void {
    // Already encoded: nothing for a worker to do unless it must keep them behind frames it holds.
    if (this.#inflightOut === 0) {
      super.encodeRaw(frames)
      return
    }
    this.#activate()
    this.#link.raw(this.#key, frames)
    this.#inflightOut += frames.length
  }

  protected override hasOutboundInFlight(): boolean {
    return this.#inflightOut > 0 && this.#linked
  }

  onWorkerFrame(code: number, requestId: number, timestamp: number, payload: Buffer): void {
    if (this.state === CLOSED) return
    const registry = this.opts.registry
    if (registry !== undefined && !registry.has(code)) {
      this.deliverDecodeError(new UnknownMessageTypeError(code, payload.length, requestId))
      return
    }
    this.deliverFrame({ code, requestId, timestamp, payload })
  }

  onWorkerError(
    kind: number,
    code: number,
    size: number,
    expected: number,
    actual: number,
    rid: number,
    limit: number,
  ): void {
    if (this.state === CLOSED) return
    this.onDecodeError(
      kind === ERROR_TOO_LARGE
        ? new FrameTooLargeError(code, size, limit)
        : new ChecksumMismatchError(code, size, expected, actual, rid),
    )
  }

  onWorkerAck(bytes: number, boundary: boolean): void {
    this.#inflightIn -= bytes
    if (boundary && this.#inflightIn <= 0) this.#viaWorker = false
    if (this.#finishPending) {
      if (this.#inflightIn <= 0 || this.dropInbound) this.#unlinkAndFinish()
      return
    }
    if (this.#readPaused && this.#inflightIn <= WORKER_MAX_INFLIGHT_IN / 2) {
      this.#readPaused = false
      if (this.state !== CLOSED) this.socket.resume()
    }
  }

  onWorkerEncoded(bytes: Buffer): void {
    if (this.#inflightOut === 0) return // dropped by destroy
    this.#inflightOut -= bytes.length
    this.queueChunk(bytes)
    if (this.state === CLOSING) this.maybeEnd()
  }

  onWorkerCrash(error: Error): void {
    this.#linked = false
    if (this.state === CLOSED) return
    this.setReason('error', error)
    if (this.#finishPending) this.finish()
    else this.destroyNow()
  }

  protected override destroyNow(): void {
    this.#inflightOut = 0
    super.destroyNow()
  }

  protected override onSocketClosed(): void {
    this.#inflightOut = 0
    // Bytes read before the peer's FIN may still be in the worker: deliver their frames first.
    if (this.#inflightIn > 0 && this.#linked && !this.dropInbound) {
      this.#finishPending = true
      this.#link.sync(this.#key)
      return
    }
    this.#unlinkAndFinish()
  }

  #unlinkAndFinish(): void {
    this.#finishPending = false
    if (this.#linked) this.#link.close(this.#key, this.#active)
    this.#linked = false
    this.finish()
  }
}
