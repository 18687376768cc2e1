import { FrameDecoder, FrameTooLargeError, HEADER_SIZE, writeFrame } from '@veltix/codec'
import { tickClock } from './clock.js'
import type { Connection, SendResult } from './connection.js'
import { CLOSED, CLOSING, ConnectionBase, OPEN } from './connection-base.js'
import { OverflowError } from './errors.js'
import { type ResolvedOptions, resolveOptions } from './options.js'
import type { TransportInit } from './types.js'

/** Options of `createConnectionPair`: the transport options that make sense without a socket. */
export type ConnectionPairInit = Omit<TransportInit, 'core' | 'maxWorkers' | 'bufferSize' | 'performanceMode'>

let nextPairId = 1

/**
 * Two connected in-memory connections (no socket), for unit tests of upper layers. Same semantics as a
 * TCP connection: frames are really encoded and decoded (CRC, registry, `maxMessageSize`), delivered in
 * order on a later microtask, nothing is read before `setHandler`, `close()` reports `'local'` here and
 * `'remote-end'` on the peer, `destroy()` reports `'reset'` on the peer, a send after close is `'closed'`,
 * and backpressure / the hard cap apply to frames the peer has not read yet.
 */
export function createConnectionPair(init: ConnectionPairInit = {}): [Connection, Connection] {
  const opts = resolveOptions(init)
  const a = new PairConnection(nextPairId++, opts)
  const b = new PairConnection(nextPairId++, opts)
  a.peer = b
  b.peer = a
  return [a, b]
}

class PairConnection extends ConnectionBase {
  peer!: PairConnection
  #out: Uint8Array[] = []
  #outBytes = 0
  #scheduled = false
  #closeRequested = false
  #decoder: FrameDecoder | undefined
  #inbox: Uint8Array[] = []
  #remoteEnded = false

  constructor(id: number, opts: ResolvedOptions) {
    super(id, 'memory', 0, 'memory', opts)
    this.localAddress = 'memory'
  }

  get bufferedAmount(): number {
    return this.#outBytes
  }

  get encrypted(): boolean {
    return false
  }

  get authorized(): boolean {
    return false
  }

  get authorizationError(): Error | undefined {
    return undefined
  }

  getPeerCertificate(): undefined {
    return undefined
  }

  send(code: number, requestId: number, payload: Uint8Array, timestamp?: number): SendResult {
    if (this.state !== OPEN) return 'closed'
    const len = HEADER_SIZE + payload.length
    if (len > this.opts.maxMessageSize) throw new FrameTooLargeError(code, len, this.opts.maxMessageSize)
    if (this.#outBytes + len > this.opts.maxQueuedBytes) return this.#overflow(len)
    const buf = Buffer.allocUnsafe(len)
    writeFrame(buf, 0, code, requestId, payload, timestamp ?? tickClock())
    this.stats.framesOut++
    return this.#queue(buf)
  }

  sendEncoded(frames: Uint8Array): SendResult {
    if (this.state !== OPEN) return 'closed'
    if (this.#outBytes + frames.length > this.opts.maxQueuedBytes) return this.#overflow(frames.length)
    return this.#queue(frames)
  }

  close(): Promise<void> {
    if (this.state === OPEN) {
      this.setReason('local')
      this.state = CLOSING
      this.dropInbound = true
      this.#closeRequested = true
      this.#schedule()
    }
    return this.closedPromise()
  }

  destroy(error?: Error): void {
    if (this.state === CLOSED) return
    this.setReason('local', error)
    this.#abort()
  }

  protected startReading(): void {
    this.#decoder = new FrameDecoder({
      onFrame: (frame) => this.deliverFrame(frame),
      onError: (error) => {
        this.deliverDecodeError(error)
        if (error.fatal) {
          this.setReason('protocol-error', error)
          this.#abort()
        }
      },
      maxMessageSize: this.opts.maxMessageSize,
      registry: this.opts.registry,
    })
    const inbox = this.#inbox
    this.#inbox = []
    for (const chunk of inbox) this.#decoder.push(chunk)
    if (this.#remoteEnded) this.finish()
    else this.peer.#schedule() // the peer may have frames waiting for us to read
  }

  #queue(bytes: Uint8Array): SendResult {
    this.#out.push(bytes)
    this.#outBytes += bytes.length
    this.stats.bytesOut += bytes.length
    this.#schedule()
    if (this.#outBytes > this.opts.highWaterMark) {
      this.needDrain = true
      return 'backpressure'
    }
    return 'ok'
  }

  #overflow(len: number): SendResult {
    this.stats.overflowRejected++
    if (this.opts.overflowPolicy === 'close') {
      this.setReason('overflow', new OverflowError(this.#outBytes, len, this.opts.maxQueuedBytes))
      this.#abort()
    }
    return 'overflow'
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    queueMicrotask(this.#flush)
  }

  #flush = (): void => {
    this.#scheduled = false
    if (this.state === CLOSED) return
    const peer = this.peer
    // Like TCP: the bytes stay with the sender while the peer is not reading (so backpressure is visible),
    // except when closing, when they travel with the FIN.
    if (this.#outBytes > 0 && (peer.#decoder !== undefined || this.#closeRequested)) {
      const out = this.#out
      this.#out = []
      this.#outBytes = 0
      for (const chunk of out) peer.#receive(chunk)
    }
    if (this.#closeRequested) {
      peer.#onRemoteEnd()
      this.finish()
      return
    }
    if (this.needDrain) this.checkDrain()
  }

  #receive(chunk: Uint8Array): void {
    if (this.state === CLOSED || this.dropInbound) return
    if (this.#decoder === undefined) this.#inbox.push(chunk)
    else this.#decoder.push(chunk)
  }

  #onRemoteEnd(): void {
    if (this.state === CLOSED) return
    this.setReason('remote-end')
    this.state = CLOSING
    this.#remoteEnded = true
    this.#out = []
    this.#outBytes = 0
    if (this.#decoder !== undefined) this.finish()
  }

  #abort(): void {
    this.state = CLOSING
    this.dropInbound = true
    this.#out = []
    this.#outBytes = 0
    this.#inbox = []
    const peer = this.peer
    if (peer.state !== CLOSED) {
      peer.setReason('reset', new Error('connection reset by peer'))
      peer.#out = []
      peer.#outBytes = 0
      peer.#inbox = []
      peer.finish()
    }
    this.finish()
  }
}
