import type { Socket } from 'node:net'
import {
  ChecksumMismatchError,
  FrameTooLargeError,
  HEADER_SIZE,
  UnknownMessageTypeError,
  writeFrame,
} from '@veltix/codec'
import { CLOSED, CLOSING } from '../connection-base.js'
import { WORKER_MAX_INFLIGHT_IN } from '../constants.js'
import type { ResolvedOptions } from '../options.js'
import { SocketConnection } from '../socket-connection.js'
import { ERROR_TOO_LARGE } from './protocol.js'
import type { LinkedConnection, WorkerLink } from './worker-pool.js'

const SCRATCH = Buffer.alloc(HEADER_SIZE)
const EMPTY = new Uint8Array(0)

/**
 * Worker core connection: the socket stays on the main thread (Node 20 cannot hand a socket to a
 * worker_thread), while cutting frames, CRC checks and encoding run in a worker, in batches.
 * Order is kept because every outbound frame, encoded or not, goes through the same worker queue.
 */
export class WorkerConnection extends SocketConnection implements LinkedConnection {
  readonly #link: WorkerLink
  readonly #key: number
  #inflightOut = 0
  #inflightIn = 0
  #readPaused = false
  #linked = true
  #finishPending = false

  constructor(id: number, socket: Socket, opts: ResolvedOptions, link: WorkerLink, key: number) {
    super(id, socket, opts)
    this.#link = link
    this.#key = key
    link.open(key, this, opts.maxMessageSize)
  }

  override get bufferedAmount(): number {
    return this.queued + this.#inflightOut + this.socket.writableLength
  }

  protected override startReading(): void {
    this.attachReader()
  }

  protected override ingest(chunk: Buffer): void {
    if (this.dropInbound || !this.#linked) return
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
    // Validate here (typed errors to the caller, nothing queued); the worker then cannot fail on it.
    writeFrame(SCRATCH, 0, code, requestId, EMPTY, timestamp)
    this.#link.frame(this.#key, code, requestId, payload, timestamp)
    this.#inflightOut += len
  }

  protected override encodeRaw(frames: Uint8Array): void {
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

  onWorkerAck(bytes: number): void {
    this.#inflightIn -= bytes
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
      return
    }
    this.#unlinkAndFinish()
  }

  #unlinkAndFinish(): void {
    this.#finishPending = false
    if (this.#linked) this.#link.close(this.#key)
    this.#linked = false
    this.finish()
  }
}
