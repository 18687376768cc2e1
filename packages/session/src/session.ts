import { randomInt } from 'node:crypto'
import {
  type Capabilities,
  type CodecError,
  decodeHelloPayload,
  encodeHelloPayload,
  type Frame,
  HELLO,
  HELLO_ACK,
  MessageTypeRegistry,
  nextRequestId,
  PING,
  PONG,
  type Request,
  Response,
  requestIdHex,
  versionsCompatible,
} from '@veltix/codec'
import { type LoggerLike, noopLogger } from '@veltix/logger'
import type { CloseInfo, CloseReason, Connection, SendResult } from '@veltix/transport'
import {
  DEFAULT_HANDSHAKE_TIMEOUT,
  DEFAULT_HEARTBEAT_INTERVAL,
  DEFAULT_MAX_EARLY_BYTES,
  DEFAULT_MAX_EARLY_FRAMES,
  DEFAULT_PING_TIMEOUT,
  DEFAULT_PROTOCOL_VERSION,
  DEFAULT_REQUEST_TIMEOUT,
  MAX_TIMER_DELAY,
} from './constants.js'
import {
  abortError,
  ConnectionClosedError,
  DuplicateRequestIdError,
  HandshakeError,
  HandshakeTimeoutError,
  HeartbeatTimeoutError,
  NotConnectedError,
  PreHandshakeOverflowError,
  SendRejectedError,
  VersionMismatchError,
} from './errors.js'
import { PendingTable, type PendingWait } from './pending-table.js'

/** Server: strict (default) = the completing frame must be a HELLO_ACK with a compatible version; lenient = any frame with the HELLO id (the reference). */
export type HandshakeMode = 'strict' | 'lenient'

/** Why a session closed: the transport's reason, or one of the session's own. */
export type SessionCloseReason =
  | CloseReason
  | 'handshake-timeout'
  | 'version-mismatch'
  | 'handshake-failed'
  | 'heartbeat-timeout'

export interface SessionCloseInfo {
  reason: SessionCloseReason
  error?: Error
  /** Whether the handshake had completed before the close. */
  handshakeDone: boolean
}

export interface HeartbeatInit {
  /** ms between pings. */
  interval: number
  /** ms to wait for each PONG before closing with 'heartbeat-timeout'; default `interval`. */
  timeout?: number
}

export interface SessionInit {
  connection: Connection
  role: 'server' | 'client'
  /** Resolves codes to `MessageType` for `Response`; default: the system types only. */
  registry?: MessageTypeRegistry
  /** Announced protocol version; default DEFAULT_PROTOCOL_VERSION ('1.6.3'). */
  protocolVersion?: string
  /** Sent in the HELLO / HELLO_ACK extension block (a client sends it only if the server's HELLO had one). */
  capabilities?: Capabilities
  /** ms; default DEFAULT_HANDSHAKE_TIMEOUT (5000). ≤ 0 or Infinity: none. */
  handshakeTimeout?: number
  /** Server only; default 'strict'. */
  handshakeMode?: HandshakeMode
  /** Ping every `interval` ms and close a peer that stops answering. `true` = DEFAULT_HEARTBEAT_INTERVAL. Default off. */
  heartbeat?: HeartbeatInit | boolean
  /** Frames held before the handshake; default DEFAULT_MAX_EARLY_FRAMES (256). */
  maxEarlyFrames?: number
  /** Payload bytes held before the handshake; default DEFAULT_MAX_EARLY_BYTES (1 MiB). */
  maxEarlyBytes?: number
  logger?: LoggerLike
  /** Handshake complete; called before any application message is delivered. */
  onReady?(session: Session): void
  /** An application frame: not PING/PONG/HELLO/HELLO_ACK, not a pending reply. */
  onMessage?(response: Response, session: Session): void
  /** Exactly once. */
  onClose?(info: SessionCloseInfo, session: Session): void
  /** Non-fatal problems (dropped frames, throwing callbacks); already logged. */
  onError?(error: Error, session: Session): void
  /** The connection's outbound queue went back under its high-water mark. */
  onDrain?(session: Session): void
}

export interface SessionStats {
  /** Every frame received / sent, system frames included. */
  messagesIn: number
  messagesOut: number
  /** Header + payload bytes. */
  bytesIn: number
  bytesOut: number
  /** Application frames handed to `onMessage`. */
  delivered: number
  pendingRequests: number
  /** Last measured round trip (ping or sendAndWait) in ms. */
  lastRtt: number | null
  droppedFrames: {
    /** Reported by the transport: bad CRC. */
    checksum: number
    /** Reported by the transport: code not in the registry. */
    unknownType: number
    /** Other decode errors reported by the transport. */
    other: number
    /** PONG with no ping waiting (late or unsolicited). */
    unsolicitedPong: number
    /** HELLO / HELLO_ACK after the handshake, or a stray HELLO_ACK in lenient mode. */
    handshake: number
  }
}

export interface WaitOptions {
  /** ms; `Infinity` = no timeout. */
  timeout?: number
  signal?: AbortSignal
}

const EMPTY = new Uint8Array(0)
const HEADER = 22

function copyFrame(f: Frame): Frame {
  return { code: f.code, requestId: f.requestId, timestamp: f.timestamp, payload: new Uint8Array(f.payload) }
}

/**
 * One connection's session: the handshake, ping/pong, request correlation and the gate that keeps application
 * frames away from handlers until the handshake is done. It attaches itself as the connection's handler.
 */
export class Session {
  readonly connection: Connection
  readonly role: 'server' | 'client'
  readonly registry: MessageTypeRegistry
  readonly protocolVersion: string
  /** Resolves after the handshake; rejects with the typed error (the session is then closed). Never unhandled. */
  readonly ready: Promise<void>
  readonly stats: SessionStats

  readonly #init: SessionInit
  readonly #log: LoggerLike
  readonly #caps: Capabilities | undefined
  readonly #mode: HandshakeMode
  readonly #pending = new PendingTable<Frame>()
  #resolveReady!: () => void
  #rejectReady!: (e: Error) => void
  #handshakeDone = false
  #closed = false
  #closeInfo: SessionCloseInfo | undefined
  #helloId = -1
  #handshakeTimer: NodeJS.Timeout | undefined
  #heartbeatTimer: NodeJS.Timeout | undefined
  #heartbeatBusy = false
  #early: Frame[] | undefined = []
  #earlyBytes = 0
  readonly #maxEarlyFrames: number
  readonly #maxEarlyBytes: number
  #peerVersion: string | undefined
  #peerCaps: Capabilities = new Map()
  #shared: ReadonlySet<string> = new Set()
  #closePromise: Promise<void> | undefined

  constructor(init: SessionInit) {
    this.#init = init
    this.connection = init.connection
    this.role = init.role
    this.registry = init.registry ?? new MessageTypeRegistry()
    this.protocolVersion = init.protocolVersion ?? DEFAULT_PROTOCOL_VERSION
    this.#caps = init.capabilities
    this.#mode = init.handshakeMode ?? 'strict'
    this.#maxEarlyFrames = init.maxEarlyFrames ?? DEFAULT_MAX_EARLY_FRAMES
    this.#maxEarlyBytes = init.maxEarlyBytes ?? DEFAULT_MAX_EARLY_BYTES
    this.#log = init.logger ?? noopLogger
    this.stats = {
      messagesIn: 0,
      messagesOut: 0,
      bytesIn: 0,
      bytesOut: 0,
      delivered: 0,
      pendingRequests: 0,
      lastRtt: null,
      droppedFrames: { checksum: 0, unknownType: 0, other: 0, unsolicitedPong: 0, handshake: 0 },
    }
    const pending = this.#pending
    Object.defineProperty(this.stats, 'pendingRequests', { get: () => pending.size, enumerable: true })
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve
      this.#rejectReady = reject
    })
    // Callers may never await `ready`; a failed handshake is reported through onClose too.
    this.ready.catch(() => {})

    const timeout = init.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT
    if (timeout > 0 && timeout !== Number.POSITIVE_INFINITY) {
      this.#handshakeTimer = setTimeout(
        () => {
          this.#handshakeTimer = undefined
          if (!this.#handshakeDone) this.#fail(new HandshakeTimeoutError(timeout), 'handshake-timeout')
        },
        Math.min(timeout, MAX_TIMER_DELAY),
      )
    }

    this.connection.setHandler({
      frame: (f) => this.#onFrame(f),
      decodeError: (e) => this.#onDecodeError(e),
      drain: () => this.#init.onDrain?.(this),
      close: (info) => this.#onClose(info),
    })

    if (this.connection.closed) {
      this.#finish('local', new ConnectionClosedError('connection was already closed'))
      return
    }
    if (this.role === 'server') {
      // A random id per connection: scoped to it, and not guessable from another connection's HELLO.
      this.#helloId = randomInt(0, 0x1_0000_0000)
      this.sendFrame(HELLO.code, this.#helloId, encodeHelloPayload(this.protocolVersion, this.#caps))
    }
  }

  get handshakeDone(): boolean {
    return this.#handshakeDone
  }

  /** True once the session has closed (or begun closing). */
  get closed(): boolean {
    return this.#closed
  }

  /** How the session closed, once it has. */
  get closeInfo(): SessionCloseInfo | undefined {
    return this.#closeInfo
  }

  /** The version the peer announced, once the handshake has read it. */
  get peerVersion(): string | undefined {
    return this.#peerVersion
  }

  /** What the peer announced (empty for a reference peer). */
  get peerCapabilities(): Capabilities {
    return this.#peerCaps
  }

  /** Capability keys both sides announced: the only optional features that may be used. */
  get sharedCapabilities(): ReadonlySet<string> {
    return this.#shared
  }

  /** Requests and pings waiting for a reply. */
  get pendingCount(): number {
    return this.#pending.size
  }

  /** Sends a request without waiting. True only if the connection accepted it ('ok' or 'backpressure'). */
  send(request: Request): boolean {
    const r = this.sendFrame(request.type.code, request.id, request.payload)
    return r === 'ok' || r === 'backpressure'
  }

  sendFrame(code: number, requestId: number, payload: Uint8Array): SendResult {
    const r = this.connection.send(code, requestId, payload)
    if (r === 'ok' || r === 'backpressure') {
      this.stats.messagesOut++
      this.stats.bytesOut += HEADER + payload.length
    }
    return r
  }

  /**
   * Sends `request` and waits for the first frame carrying its id (any type, as the reference); that frame
   * does not reach `onMessage`. Resolves the reply with `latency` set (ms, monotonic), or null on timeout.
   * Rejects `AbortError` on abort, `ConnectionClosedError` when the connection closes while waiting,
   * `NotConnectedError` if already closed, `DuplicateRequestIdError` for a caller-supplied id already pending.
   */
  sendAndWait(request: Request, opts: WaitOptions = {}): Promise<Response | null> {
    let id = request.id
    if (this.#pending.has(id)) {
      if (!request.generatedId) return Promise.reject(new DuplicateRequestIdError(id))
      do id = nextRequestId()
      while (this.#pending.has(id))
    }
    return this.#wait(
      request.type.code,
      id,
      request.payload,
      opts.timeout ?? DEFAULT_REQUEST_TIMEOUT,
      opts.signal,
      (f, start) => {
        const r = new Response(this.registry.resolve(f.code), f)
        r.latency = performance.now() - start
        this.stats.lastRtt = r.latency
        return r
      },
    )
  }

  /** Sends PING and resolves the round trip in ms (monotonic, sub-ms), or null on timeout. Same errors as sendAndWait. */
  ping(opts: WaitOptions = {}): Promise<number | null> {
    let id = nextRequestId()
    while (this.#pending.has(id)) id = nextRequestId()
    return this.#wait(
      PING.code,
      id,
      EMPTY,
      opts.timeout ?? DEFAULT_PING_TIMEOUT,
      opts.signal,
      (_f, start) => {
        const rtt = performance.now() - start
        this.stats.lastRtt = rtt
        return rtt
      },
    )
  }

  #wait<R>(
    code: number,
    id: number,
    payload: Uint8Array,
    timeout: number,
    signal: AbortSignal | undefined,
    map: (frame: Frame, start: number) => R,
  ): Promise<R | null> {
    if (this.#closed || this.connection.closed) return Promise.reject(new NotConnectedError())
    if (signal?.aborted) return Promise.reject(abortError(signal))
    return new Promise<R | null>((resolve, reject) => {
      const start = performance.now()
      const deadline =
        timeout === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : start + Math.max(0, timeout)
      let onAbort: (() => void) | undefined
      const wait: PendingWait<Frame> = {
        id,
        start,
        deadline,
        heapIndex: -1,
        settle: (frame) => {
          if (onAbort !== undefined) signal!.removeEventListener('abort', onAbort)
          resolve(frame === null ? null : map(frame, start))
        },
        fail: (error) => {
          if (onAbort !== undefined) signal!.removeEventListener('abort', onAbort)
          reject(error)
        },
      }
      if (signal !== undefined) {
        onAbort = () => {
          if (this.#pending.delete(wait)) wait.fail(abortError(signal))
        }
        signal.addEventListener('abort', onAbort, { once: true })
      }
      // In the table before the send: an in-memory peer may answer synchronously.
      this.#pending.add(wait)
      const result = this.sendFrame(code, id, payload)
      if (result !== 'ok' && result !== 'backpressure' && this.#pending.delete(wait)) {
        wait.fail(result === 'closed' ? new NotConnectedError() : new SendRejectedError(result))
      }
    })
  }

  /** Graceful close: flushes what was queued, then closes. Pending waits reject with ConnectionClosedError. */
  close(): Promise<void> {
    if (this.#closePromise === undefined) {
      this.#closePromise = this.connection.closed ? Promise.resolve() : this.connection.close()
      this.#closePromise.then(
        () => this.#finish('local'),
        () => this.#finish('local'),
      )
    }
    return this.#closePromise.then(() => {})
  }

  /** Abrupt close: drops what was queued. */
  destroy(error?: Error): void {
    this.#finish('local', error)
    this.connection.destroy(error)
  }

  // --- receiving -------------------------------------------------------------------------------------------

  #onFrame(f: Frame): void {
    if (this.#closed) return
    this.stats.messagesIn++
    this.stats.bytesIn += HEADER + f.payload.length
    const code = f.code
    // 1. PING: answered at once, at any time, never reaching handlers.
    if (code === PING.code) {
      this.sendFrame(PONG.code, f.requestId, EMPTY)
      return
    }
    // 2. Handshake.
    if (!this.#handshakeDone) {
      if (this.role === 'client') {
        if (code === HELLO.code) {
          this.#clientHello(f)
          return
        }
      } else if (f.requestId === this.#helloId) {
        this.#serverComplete(f)
        return
      } else if (code === HELLO_ACK.code) {
        // A HELLO_ACK that does not carry this connection's HELLO id (e.g. another connection's).
        const why = `HELLO_ACK with id ${requestIdHex(f.requestId)}, expected ${requestIdHex(this.#helloId)}`
        if (this.#mode === 'strict') {
          this.#fail(new HandshakeError(why), 'handshake-failed')
          return
        }
        this.stats.droppedFrames.handshake++
        this.#report(new HandshakeError(`${why}: dropped`))
        return
      }
    } else if (code === HELLO.code || code === HELLO_ACK.code) {
      this.stats.droppedFrames.handshake++
      return
    }
    // 3. A pending reply (first frame with the id, any type).
    if (this.#pending.size > 0) {
      const wait = this.#pending.take(f.requestId)
      if (wait !== undefined) {
        // Copied: the awaiting code runs later and the transport's payload may be a view.
        wait.settle(copyFrame(f))
        return
      }
    }
    if (code === PONG.code) {
      this.stats.droppedFrames.unsolicitedPong++
      return
    }
    // 4. Application frames: held until the handshake is done, so nothing reaches handlers before onReady.
    if (!this.#handshakeDone) {
      this.#hold(f)
      return
    }
    this.#deliver(f)
  }

  #deliver(f: Frame): void {
    const onMessage = this.#init.onMessage
    this.stats.delivered++
    if (onMessage === undefined) return
    try {
      onMessage(new Response(this.registry.resolve(f.code), f), this)
    } catch (error) {
      this.#report(error instanceof Error ? error : new Error(String(error)), 'onMessage threw')
    }
  }

  #hold(f: Frame): void {
    const early = this.#early!
    if (early.length >= this.#maxEarlyFrames || this.#earlyBytes + f.payload.length > this.#maxEarlyBytes) {
      this.#fail(
        new PreHandshakeOverflowError(early.length + 1, this.#earlyBytes + f.payload.length),
        'handshake-failed',
      )
      return
    }
    this.#earlyBytes += f.payload.length
    early.push(copyFrame(f))
  }

  #clientHello(f: Frame): void {
    let hello: ReturnType<typeof decodeHelloPayload>
    try {
      hello = decodeHelloPayload(f.payload)
    } catch (cause) {
      this.#fail(new HandshakeError('malformed HELLO from the server', { cause }), 'handshake-failed')
      return
    }
    if (!versionsCompatible(hello.version, this.protocolVersion)) {
      // Closed at once (the reference waits for its timeout).
      this.#fail(new VersionMismatchError(this.protocolVersion, hello.version), 'version-mismatch')
      return
    }
    this.#peerVersion = hello.version
    this.#setPeerCaps(hello.capabilities)
    // Capabilities only to a server that announced some: a reference server gets the reference's exact bytes.
    const caps = hello.capabilities !== null ? this.#caps : undefined
    this.sendFrame(HELLO_ACK.code, f.requestId, encodeHelloPayload(this.protocolVersion, caps))
    this.#complete()
  }

  #serverComplete(f: Frame): void {
    if (f.code !== HELLO_ACK.code) {
      if (this.#mode === 'strict') {
        this.#fail(
          new HandshakeError(`expected HELLO_ACK (code 11) with the HELLO id, got code ${f.code}`),
          'handshake-failed',
        )
        return
      }
      // Lenient (the reference): any frame with the id completes the handshake and is consumed.
      this.#complete()
      return
    }
    let hello: ReturnType<typeof decodeHelloPayload> | undefined
    try {
      hello = decodeHelloPayload(f.payload)
    } catch (cause) {
      if (this.#mode === 'strict') {
        this.#fail(new HandshakeError('malformed HELLO_ACK', { cause }), 'handshake-failed')
        return
      }
    }
    if (hello !== undefined) {
      if (this.#mode === 'strict' && !versionsCompatible(hello.version, this.protocolVersion)) {
        this.#fail(new VersionMismatchError(this.protocolVersion, hello.version), 'version-mismatch')
        return
      }
      this.#peerVersion = hello.version
      this.#setPeerCaps(hello.capabilities)
    }
    this.#complete()
  }

  #setPeerCaps(caps: Capabilities | null): void {
    this.#peerCaps = caps ?? new Map()
    const shared = new Set<string>()
    if (this.#caps !== undefined) for (const k of this.#peerCaps.keys()) if (this.#caps.has(k)) shared.add(k)
    this.#shared = shared
  }

  #complete(): void {
    this.#handshakeDone = true
    if (this.#handshakeTimer !== undefined) clearTimeout(this.#handshakeTimer)
    this.#handshakeTimer = undefined
    this.#log.debug(() => `handshake done (${this.role}, peer version ${this.#peerVersion ?? '?'})`)
    try {
      this.#init.onReady?.(this)
    } catch (error) {
      this.#report(error instanceof Error ? error : new Error(String(error)), 'onReady threw')
    }
    this.#resolveReady()
    const early = this.#early!
    this.#early = undefined
    this.#earlyBytes = 0
    for (const f of early) {
      if (this.#closed) break
      this.#deliver(f)
    }
    if (!this.#closed) this.#startHeartbeat()
  }

  #startHeartbeat(): void {
    const hb = this.#init.heartbeat
    if (hb === undefined || hb === false) return
    const interval = hb === true ? DEFAULT_HEARTBEAT_INTERVAL : hb.interval
    const timeout = hb === true ? interval : (hb.timeout ?? interval)
    this.#heartbeatTimer = setInterval(
      () => {
        if (this.#heartbeatBusy || this.#closed) return
        this.#heartbeatBusy = true
        this.ping({ timeout }).then(
          (rtt) => {
            this.#heartbeatBusy = false
            if (rtt === null) this.#fail(new HeartbeatTimeoutError(timeout), 'heartbeat-timeout')
          },
          () => {
            this.#heartbeatBusy = false
          },
        )
      },
      Math.min(interval, MAX_TIMER_DELAY),
    )
    this.#heartbeatTimer.unref()
  }

  #onDecodeError(e: CodecError): void {
    const d = this.stats.droppedFrames
    if (e.name === 'ChecksumMismatchError') d.checksum++
    else if (e.name === 'UnknownMessageTypeError') d.unknownType++
    else d.other++
    this.#report(e)
  }

  #report(error: Error, what?: string): void {
    this.#log.warning(() => `${what ?? 'dropped frame'}: ${error.name}: ${error.message}`, {
      conn: this.connection.id,
      peer: `${this.connection.remoteAddress}:${this.connection.remotePort}`,
    })
    try {
      this.#init.onError?.(error, this)
    } catch {
      // an onError that throws must not break reception
    }
  }

  // --- closing ---------------------------------------------------------------------------------------------

  #fail(error: Error, reason: SessionCloseReason): void {
    if (this.#closed) return
    this.#log.warning(() => `closing: ${error.message}`, { conn: this.connection.id, reason })
    this.#finish(reason, error)
    this.connection.destroy()
  }

  #onClose(info: CloseInfo): void {
    this.#finish(info.reason, info.error)
  }

  #finish(reason: SessionCloseReason, error?: Error): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#handshakeTimer !== undefined) clearTimeout(this.#handshakeTimer)
    if (this.#heartbeatTimer !== undefined) clearInterval(this.#heartbeatTimer)
    this.#handshakeTimer = undefined
    this.#heartbeatTimer = undefined
    this.#early = undefined
    this.#pending.failAll(
      () =>
        new ConnectionClosedError(`connection closed (${reason}) while waiting for a reply`, {
          cause: error,
        }),
    )
    if (!this.#handshakeDone) {
      this.#rejectReady(
        error ?? new ConnectionClosedError(`connection closed (${reason}) before the handshake completed`),
      )
    }
    const info: SessionCloseInfo = { reason, handshakeDone: this.#handshakeDone }
    if (error !== undefined) info.error = error
    this.#closeInfo = info
    try {
      this.#init.onClose?.(info, this)
    } catch (e) {
      this.#log.error(() => `onClose threw: ${String(e)}`)
    }
  }

  /** For tests and diagnostics: true while the pending table holds a timer. */
  get timerArmed(): boolean {
    return this.#pending.timerArmed
  }
}
