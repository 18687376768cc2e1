import {
  type Capabilities,
  type CodecError,
  type Frame,
  HEADER_SIZE,
  HELLO,
  HELLO_ACK,
  MessageTypeRegistry,
  PING,
  PONG,
  type Request,
  Response,
  SYSTEM_CODE_MAX,
} from '@veltix/codec'
import { type LoggerLike, LogLevel, noopLogger } from '@veltix/logger'
import type { CloseInfo, Connection, ConnectionHandler, SendResult } from '@veltix/transport'
import { tickClock } from '@veltix/transport/internal'
import { DEFAULT_PING_TIMEOUT, DEFAULT_PROTOCOL_VERSION, DEFAULT_REQUEST_TIMEOUT } from '../constants.js'
import { ConnectionClosedError, DuplicateRequestIdError, NotConnectedError } from '../errors.js'
import type { Wire2HandshakeResult } from '../wire2/handshake.js'
import type { RequestIdSpace } from '../wire2/request-ids.js'
import { beginWire2, headerSizeOf, wire2Of } from '../wire2/session-wire.js'
import type { AuthenticateInfo } from './handshake/auth.js'
import { capabilitiesFor } from './handshake/capabilities.js'
import type { HandshakeCapability } from './handshake/capability.js'
import type { CompressionInit } from './handshake/compression.js'
import { type DriverHost, HandshakeDriver } from './handshake/driver.js'
import type { SessionEncryptionInit } from './handshake/encryption.js'
import type { ResumeHooks, ResumeOptions } from './handshake/resume.js'
import { Heartbeat } from './heartbeat.js'
import type { SecureLink } from './secure-link.js'
import { freshRequestId, plainSendId, sendCounted, sendEncodedCounted } from './send-path.js'
import { countDropped, newSessionStats, sharedKeys } from './session-stats.js'
import type {
  HandshakeMode,
  HeartbeatInit,
  SessionCloseInfo,
  SessionCloseReason,
  SessionStats,
  WaitOptions,
} from './types.js'
import { Waits } from './waits.js'

/** `resume` (see `ResumeOptions`): resumable connections, a server's `ResumeStore` or a client's `ResumeClient`. */
export interface SessionInit extends ResumeOptions {
  connection: Connection
  role: 'server' | 'client'
  /** Resolves codes to `MessageType` for `Response`; default: the system types only. */
  registry?: MessageTypeRegistry
  /** A 2.x connection's JSON handshake (default: the one its transport preface recorded); false: 1.6.3. */
  wire2?: Wire2HandshakeResult | false
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
  /**
   * End-to-end encryption (default off). Bad settings (no server identity, no client verification mode)
   * fail the session at once with `SecureConfigError`.
   */
  encryption?: SessionEncryptionInit
  /** Per-message deflate-raw above `threshold`, negotiated (`vx.z`): used only when both peers offer it. */
  compression?: CompressionInit
  /**
   * Server: decides whether a client may proceed, after the (secure) handshake and before `onReady`. A
   * refused (false, a throw or a rejection) client gets `AuthenticationError` and never reaches `onReady` /
   * `onMessage`; the session closes with reason 'auth-refused'. Covered by `handshakeTimeout`.
   */
  authenticate?(info: AuthenticateInfo, session: Session): boolean | Promise<boolean>
  /** Client: sent to a server that runs `authenticate` (encrypted when the session is). */
  token?: string | Uint8Array
  /** Largest frame the transport accepts (its `maxMessageSize`); used by encrypted sends to refuse an oversized frame up front. Default 10 MiB. */
  maxMessageSize?: number
  /** Encrypted sessions: drop inner frames whose code is not in `registry` (what the transport does for plain frames when given a registry). Default false. */
  dropUnknownTypes?: boolean
  logger?: LoggerLike
  /**
   * Log through `logger.child({ peer: 'address:port' })`, created on the first line actually emitted (an idle
   * connection then holds no logger of its own). Default false: `logger` is used as given.
   */
  logPeer?: boolean
  /** The application's own value for this session, readable as `session.data` (e.g. its per-connection record). */
  data?: unknown
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

const EMPTY = new Uint8Array(0)
const PING_CODE = PING.code
const PONG_CODE = PONG.code
const HELLO_CODE = HELLO.code
const HELLO_ACK_CODE = HELLO_ACK.code
const noop = (): void => {}

/** The connection's handler and the handshake's context: one small object per session. */
type SessionLink = ConnectionHandler & DriverHost
let newLink: (s: Session) => SessionLink

/**
 * One connection's session: the handshake (a `HandshakeDriver` and its capabilities), ping/pong, request
 * correlation (`Waits`), an optional `Heartbeat`, and the gate that keeps application frames away from
 * handlers until the handshake is done. It attaches itself as the connection's handler; an encrypted
 * session's frames go through a `SecureLink` around the connection.
 */
export class Session {
  static {
    // Inside the class body: the link reaches the session's private members (no closures per session).
    newLink = (s) => new Link(s)
    class Link implements SessionLink {
      readonly s: Session
      constructor(s: Session) {
        this.s = s
      }
      // ConnectionHandler
      frame(f: Frame): void {
        this.s.#handle(f)
      }
      decodeError(e: CodecError): void {
        this.s.#onDecodeError(e)
      }
      drain(): void {
        this.s.#onDrainCb?.(this.s)
      }
      close(info: CloseInfo): void {
        this.s.#finish(info.reason, info.error)
      }
      // HandshakeContext
      get role(): 'server' | 'client' {
        return this.s.role
      }
      get protocolVersion(): string {
        return this.s.protocolVersion
      }
      get connection(): Connection {
        return this.s.connection
      }
      get out(): Connection {
        return this.s.#out
      }
      get registry(): MessageTypeRegistry {
        return this.s.registry
      }
      get helloId(): number {
        return this.s.#hs?.helloId ?? -1
      }
      get peerVersion(): string | undefined {
        return this.s.#peerVersion
      }
      get peerCapabilities(): Capabilities {
        return this.s.peerCapabilities
      }
      get session(): Session {
        return this.s
      }
      get encrypted(): boolean {
        return this.s.encrypted
      }
      get peerIdentity(): Uint8Array | undefined {
        return this.s.peerIdentity
      }
      get closed(): boolean {
        return this.s.#closed
      }
      get handshakeDone(): boolean {
        return this.s.#handshakeDone
      }
      send(code: number, requestId: number, payload: Uint8Array): SendResult {
        return this.s.sendFrame(code, requestId, payload)
      }
      wrap(link: SecureLink): void {
        const s = this.s
        s.#secure = link
        s.#out = link
        link.setHandler(this)
      }
      next(): void {
        this.s.#hs?.next()
      }
      adoptWaits(w: Waits): void {
        this.s.#waits = w
      }
      fail(error: Error, reason: SessionCloseReason): void {
        this.s.#fail(error, reason)
      }
      refuse(error: Error, reason: SessionCloseReason): void {
        const s = this.s
        s.sendCloseNotify()
        s.connection.close().catch(noop)
        s.#finish(reason, error)
      }
      report(error: Error, what: string): void {
        this.s.#report(error, what)
      }
      log(level: LogLevel): LoggerLike | undefined {
        return this.s.#logAt(level)
      }
      droppedHandshakeFrame(): void {
        this.s.stats.droppedFrames.handshake++
      }
      // DriverHost
      setPeer(version: string, capabilities: Capabilities | null): void {
        this.s.#setPeer(version, capabilities)
      }
      complete(): void {
        this.s.#complete()
      }
    }
  }

  // Memory per idle connection matters (10,000s per server): every field is declared here, in one order, and
  // state used only by the handshake (`#hs`) lives in an object of its own, dropped once it is done.
  readonly connection: Connection
  readonly role: 'server' | 'client'
  readonly registry: MessageTypeRegistry
  readonly protocolVersion: string
  readonly stats: SessionStats
  /** The application's own value for this session (`SessionInit.data`), e.g. its per-connection record. */
  data: unknown
  #log: LoggerLike
  /** True while `#log` is the parent of the per-peer child logger not created yet (`logPeer`). */
  #logPeer: boolean
  /** Where frames go out: the connection, or the secure link around it. */
  #out: Connection
  #secure: SecureLink | undefined
  #waits: Waits | undefined
  /** The 2.x wire's 16-bit ids (undefined on 1.6.3), and the header size counted in the byte stats. */
  #ids: RequestIdSpace | undefined
  readonly #hdr: number
  readonly #onMessage: SessionInit['onMessage']
  readonly #onCloseCb: SessionInit['onClose']
  readonly #onError: SessionInit['onError']
  readonly #onDrainCb: SessionInit['onDrain']
  #hs: HandshakeDriver<SessionInit> | undefined
  #handshakeDone: boolean
  #closed: boolean
  #ready: Promise<void> | undefined
  #closeInfo: SessionCloseInfo | undefined
  #closePromise: Promise<void> | undefined
  #heartbeat: Heartbeat | undefined
  #peerVersion: string | undefined
  #peerCaps: Capabilities | undefined
  #shared: ReadonlySet<string> | undefined

  constructor(init: SessionInit) {
    this.connection = init.connection
    this.role = init.role
    this.registry = init.registry ?? new MessageTypeRegistry()
    this.protocolVersion = init.protocolVersion ?? DEFAULT_PROTOCOL_VERSION
    this.stats = newSessionStats()
    this.data = init.data
    this.#log = init.logger ?? noopLogger
    this.#logPeer = init.logPeer === true && init.logger !== undefined
    this.#out = init.connection
    this.#secure = undefined
    this.#waits = undefined
    const w2 = wire2Of(init.wire2, init.connection)
    this.#ids = undefined
    this.#hdr = headerSizeOf(w2, HEADER_SIZE)
    this.#onMessage = init.onMessage
    this.#onCloseCb = init.onClose
    this.#onError = init.onError
    this.#onDrainCb = init.onDrain
    this.#handshakeDone = false
    this.#closed = false
    this.#ready = undefined
    this.#closeInfo = undefined
    this.#closePromise = undefined
    this.#heartbeat = undefined
    this.#peerVersion = undefined
    this.#peerCaps = undefined
    this.#shared = undefined
    const link = newLink(this)
    const hs = new HandshakeDriver(link, init)
    this.#hs = hs

    this.connection.setHandler(link)

    if (this.connection.closed) {
      this.#finish('local', new ConnectionClosedError('connection was already closed'))
      return
    }
    let capabilities: readonly HandshakeCapability[]
    try {
      capabilities = capabilitiesFor(init, this.role, this.registry)
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)), 'handshake-failed')
      return
    }
    if (w2 === undefined) hs.begin(capabilities)
    else this.#ids = beginWire2(hs, capabilities, w2, this.role)
  }

  /** Resolves after the handshake; rejects with the typed error (the session is then closed). Never unhandled. */
  get ready(): Promise<void> {
    let p = this.#ready
    if (p !== undefined) return p
    // Created on first use: a server session nobody awaits never holds a promise and its settlers.
    const hs = this.#hs
    if (this.#handshakeDone) p = Promise.resolve()
    else if (hs === undefined || this.#closed) {
      const info = this.#closeInfo
      p = Promise.reject(
        info?.error ??
          new ConnectionClosedError(
            `connection closed (${info?.reason ?? 'local'}) before the handshake completed`,
          ),
      )
    } else {
      p = new Promise<void>((resolve, reject) => {
        hs.resolve = resolve
        hs.reject = reject
      })
    }
    // Callers may never await `ready`; a failed handshake is reported through onClose too.
    p.catch(noop)
    this.#ready = p
    return p
  }

  /** True once the secure channel is up: every frame travels sealed. */
  get encrypted(): boolean {
    return this.#secure?.channel !== undefined
  }

  /**
   * The peer's authenticated Ed25519 identity key (raw 32 bytes) on an encrypted session: the server's key on
   * a client; the client's key on a server that asked for client authentication. Else undefined.
   */
  get peerIdentity(): Uint8Array | undefined {
    return this.#secure?.channel?.peerIdentity
  }

  /** SHA-256 of the handshake transcript on an encrypted session (a channel-binding value, equal on both sides). */
  get channelBinding(): Uint8Array | undefined {
    return this.#secure?.channel?.transcriptHash
  }

  get handshakeDone(): boolean {
    return this.#handshakeDone
  }

  /** The wire this session speaks: `'1.6'` (22-byte frames, HELLO) or `'2'` (the reference's 2.x / 3.x). */
  get wire(): '1.6' | '2' {
    return this.#ids === undefined ? '1.6' : '2'
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
    // Created on first use: most sessions (a reference peer, plain Veltix) have none.
    this.#peerCaps ??= new Map()
    return this.#peerCaps
  }

  /** Capability keys both sides announced: the only optional features that may be used. */
  get sharedCapabilities(): ReadonlySet<string> {
    this.#shared ??= new Set()
    return this.#shared
  }

  /** Requests and pings waiting for a reply. */
  get pendingCount(): number {
    const w = this.#waits
    return w === undefined ? 0 : w.size
  }

  /** Sends a request without waiting. True only if the connection accepted it ('ok' or 'backpressure'). */
  send(request: Request): boolean {
    const r = sendCounted(
      this.#out,
      this.stats,
      this.#hdr,
      request.type.code,
      plainSendId(request, this.#ids),
      request.payload,
    )
    return r === 'ok' || r === 'backpressure'
  }

  /**
   * Sends one frame. On an encrypted session the frame joins the current batch, sealed and written at the end
   * of the tick (or once the batch reaches `flushBytes`); the result is then 'ok' / 'backpressure' as of the
   * last write, 'closed' once closing. Throws `FrameTooLargeError` up front when the sealed frame would exceed
   * `maxMessageSize`.
   */
  sendFrame(code: number, requestId: number, payload: Uint8Array): SendResult {
    return sendCounted(this.#out, this.stats, this.#hdr, code, requestId, payload)
  }

  /**
   * Sends bytes that are already `count` whole encoded frames (a broadcast's, encoded once for many sessions):
   * as they are on a plain session, sealed on an encrypted one; counted in `stats` like any send.
   */
  sendEncoded(frames: Uint8Array, count = 1): SendResult {
    return sendEncodedCounted(this.#out, this.stats, frames, count)
  }

  /**
   * Sends `request` and waits for the first frame carrying its id (any type, as the reference); that frame
   * does not reach `onMessage`. Resolves the reply with `latency` set (ms, monotonic), or null on timeout.
   * Rejects `AbortError` on abort, `ConnectionClosedError` when the connection closes while waiting,
   * `NotConnectedError` if already closed, `DuplicateRequestIdError` for a caller-supplied id already pending.
   * The reply's `content` is a view into the received chunk, as for every `Response`: copy it to keep it.
   */
  sendAndWait(request: Request, opts?: WaitOptions): Promise<Response | null> {
    const waits = this.#waitsOf()
    let id: number | Error = request.id
    if (request.generatedId && (this.#ids !== undefined || waits.has(id)))
      id = freshRequestId(this.#ids, waits)
    else if (waits.has(id)) return Promise.reject(new DuplicateRequestIdError(id))
    if (typeof id !== 'number') return Promise.reject(id) // RequestIdsExhaustedError
    if (this.#closed || this.connection.closed) return Promise.reject(new NotConnectedError())
    const timeout = opts?.timeout ?? DEFAULT_REQUEST_TIMEOUT
    return waits.request(
      this,
      request.type.code,
      id,
      request.payload,
      timeout,
      opts?.signal,
      false,
    ) as Promise<Response | null>
  }

  /** Sends PING and resolves the round trip in ms (monotonic, sub-ms), or null on timeout. Same errors as sendAndWait. */
  ping(opts?: WaitOptions): Promise<number | null> {
    const waits = this.#waitsOf()
    const id = freshRequestId(this.#ids, waits)
    if (typeof id !== 'number') return Promise.reject(id)
    if (this.#closed || this.connection.closed) return Promise.reject(new NotConnectedError())
    const timeout = opts?.timeout ?? DEFAULT_PING_TIMEOUT
    return waits.request(this, PING_CODE, id, EMPTY, timeout, opts?.signal, true) as Promise<number | null>
  }

  /** The waits, created on the first one. */
  #waitsOf(): Waits {
    let w = this.#waits
    if (w === undefined) this.#waits = w = new Waits(this.registry, this.stats)
    return w
  }

  /** Graceful close: flushes what was queued, then closes. Pending waits reject with ConnectionClosedError. */
  close(): Promise<void> {
    if (this.#closePromise === undefined) {
      this.sendCloseNotify()
      this.#closePromise = this.connection.closed ? Promise.resolve() : this.connection.close()
      this.#closePromise.then(
        () => this.#finish('local'),
        () => this.#finish('local'),
      )
    }
    return this.#closePromise.then(() => {})
  }

  /**
   * Encrypted sessions: writes what is batched, then the close-notify record (so the peer can tell a clean end
   * from a truncation); nothing can be sent afterwards. Called by `close()`; call it before closing the
   * connection some other way (e.g. a server transport shutting down). False when there is nothing to do.
   */
  sendCloseNotify(): boolean {
    const link = this.#secure
    return link !== undefined && !this.#closed && link.sendCloseNotify()
  }

  /** Abrupt close: drops what was queued. */
  destroy(error?: Error): void {
    this.#finish('local', error)
    this.connection.destroy(error)
  }

  // --- receiving -------------------------------------------------------------------------------------------

  /** One frame in the clear (plain session) or one inner frame out of a record (through the secure link). */
  #handle(f: Frame): void {
    if (this.#closed) return
    const st = this.stats
    st.messagesIn++
    st.bytesIn += this.#hdr + f.payload.length
    const code = f.code
    if (code <= SYSTEM_CODE_MAX) st.systemIn++
    // 1. PING: answered at once, at any time, never reaching handlers.
    if (code === PING_CODE) {
      this.sendFrame(PONG_CODE, f.requestId, EMPTY)
      return
    }
    if (this.#handshakeDone) {
      if (code === HELLO_CODE || code === HELLO_ACK_CODE) {
        st.droppedFrames.handshake++
        return
      }
      // 3. A pending reply (first frame with the id, any type).
      const waits = this.#waits
      if (waits !== undefined && waits.table.size > 0) {
        const wait = waits.table.take(f.requestId)
        if (wait !== undefined) {
          wait.settle(f)
          return
        }
      }
      if (code === PONG_CODE) {
        st.droppedFrames.unsolicitedPong++
        return
      }
      // 4. Application frames (inlined: the common case).
      const onMessage = this.#onMessage
      st.delivered++
      if (onMessage === undefined) return
      try {
        onMessage(new Response(this.registry.resolve(code), f, tickClock()), this)
      } catch (error) {
        this.#report(error instanceof Error ? error : new Error(String(error)), 'onMessage threw')
      }
      return
    }
    // 2. The handshake's own frames; then replies and PONGs; application frames are held until onReady.
    const hs = this.#hs!
    if (hs.frame(f) || this.#closed) return
    if (this.#waits?.settle(f) === true) return
    if (code === PONG_CODE) {
      st.droppedFrames.unsolicitedPong++
      return
    }
    hs.hold(f)
  }

  #deliver(f: Frame): void {
    const onMessage = this.#onMessage
    this.stats.delivered++
    if (onMessage === undefined) return
    try {
      onMessage(new Response(this.registry.resolve(f.code), f, tickClock()), this)
    } catch (error) {
      this.#report(error instanceof Error ? error : new Error(String(error)), 'onMessage threw')
    }
  }

  #setPeer(version: string, caps: Capabilities | null): void {
    this.#peerVersion = version
    // Left undefined when empty: the getters create empty ones on demand.
    this.#peerCaps = caps ?? undefined
    this.#shared = sharedKeys(caps, this.#hs!.init.capabilities)
  }

  #complete(): void {
    const hs = this.#hs!
    this.#handshakeDone = true
    const early = hs.finish()
    this.#logAt(LogLevel.DEBUG)?.debug(
      () => `handshake done (${this.role}, peer version ${this.#peerVersion ?? '?'})`,
    )
    try {
      hs.init.onReady?.(this)
    } catch (error) {
      this.#report(error instanceof Error ? error : new Error(String(error)), 'onReady threw')
    }
    hs.resolve?.()
    // The handshake state (and the init object it holds) is dropped: an idle session keeps only what it uses.
    this.#hs = undefined
    if (early !== undefined) {
      for (const f of early) {
        if (this.#closed) break
        this.#deliver(f)
      }
    }
    if (this.#closed) return
    const hb = Heartbeat.of(hs.init.heartbeat, this, (e) => this.#fail(e, 'heartbeat-timeout'))
    if (hb === undefined) return
    this.#heartbeat = hb
    hb.start()
  }

  #onDecodeError(e: CodecError): void {
    countDropped(this.stats, e)
    this.#report(e)
  }

  #report(error: Error, what?: string): void {
    this.#logAt(LogLevel.WARNING)?.warning(
      () => `${what ?? 'dropped frame'}: ${error.name}: ${error.message}`,
      {
        conn: this.connection.id,
        peer: `${this.connection.remoteAddress}:${this.connection.remotePort}`,
      },
    )
    try {
      this.#onError?.(error, this)
    } catch {
      // an onError that throws must not break reception
    }
  }

  // --- closing ---------------------------------------------------------------------------------------------

  #fail(error: Error, reason: SessionCloseReason): void {
    if (this.#closed) return
    this.#logAt(LogLevel.WARNING)?.warning(() => `closing: ${error.message}`, {
      conn: this.connection.id,
      reason,
    })
    this.#finish(reason, error)
    this.connection.destroy()
  }

  #finish(reason: SessionCloseReason, error?: Error): void {
    if (this.#closed) return
    this.#closed = true
    const hs = this.#hs
    this.#hs = undefined
    hs?.finish()
    this.#heartbeat?.cancel()
    this.#heartbeat = undefined
    if ((this.#secure as ResumeHooks | undefined)?.closing?.(reason, this.#waits)) this.#waits = undefined
    this.#secure?.dispose()
    this.#waits?.failAll(
      () =>
        new ConnectionClosedError(`connection closed (${reason}) while waiting for a reply`, {
          cause: error,
        }),
    )
    if (!this.#handshakeDone && hs?.reject !== undefined) {
      hs.reject(
        error ?? new ConnectionClosedError(`connection closed (${reason}) before the handshake completed`),
      )
    }
    const info: SessionCloseInfo = { reason, handshakeDone: this.#handshakeDone }
    if (error !== undefined) info.error = error
    this.#closeInfo = info
    try {
      this.#onCloseCb?.(info, this)
    } catch (e) {
      this.#logAt(LogLevel.ERROR)?.error(() => `onClose threw: ${String(e)}`)
    }
  }

  /**
   * The logger for a line at `level`, or undefined when that level is off. With `logPeer`, the per-peer child
   * logger is created here, on the first line emitted (the level check is the parent's: they share it).
   */
  #logAt(level: LogLevel): LoggerLike | undefined {
    const log = this.#log
    if (!log.isLevelEnabled(level)) return undefined
    if (!this.#logPeer) return log
    this.#logPeer = false
    const child = log.child({ peer: `${this.connection.remoteAddress}:${this.connection.remotePort}` })
    this.#log = child
    return child
  }

  /**
   * For tests and diagnostics: true while the pending table holds a timer for a pending wait. (An idle timer
   * may be left to lapse while the session is open; it never holds the event loop and the close clears it.)
   * @internal
   */
  get timerArmed(): boolean {
    return this.#waits?.table.timerArmed === true
  }

  /** For tests: true while any timer of the pending table exists, idle or not (false once closed). @internal */
  get timerScheduled(): boolean {
    return this.#waits?.table.timerScheduled === true
  }
}
