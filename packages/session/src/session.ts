import { randomInt } from 'node:crypto'
import {
  type Capabilities,
  type CodecError,
  DEFAULT_MAX_MESSAGE_SIZE,
  decodeHelloPayload,
  encodeHelloPayload,
  type Frame,
  FrameDecoder,
  FrameTooLargeError,
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
  writeFrame,
} from '@veltix/codec'
import { type LoggerLike, noopLogger } from '@veltix/logger'
import type { CloseInfo, CloseReason, Connection, SendResult } from '@veltix/transport'
import {
  CAP_AUTH,
  DEFAULT_HANDSHAKE_TIMEOUT,
  DEFAULT_HEARTBEAT_INTERVAL,
  DEFAULT_MAX_EARLY_BYTES,
  DEFAULT_MAX_EARLY_FRAMES,
  DEFAULT_PING_TIMEOUT,
  DEFAULT_PROTOCOL_VERSION,
  DEFAULT_REQUEST_TIMEOUT,
  DEFAULT_SECURE_FLUSH_BYTES,
  MAX_TIMER_DELAY,
  SECURE_BATCH_KEEP_BYTES,
} from './constants.js'
import {
  AuthenticationError,
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
import type { ClientAuthPolicy } from './secure/capabilities.js'
import type { SecureChannel } from './secure/channel.js'
import { SECURE, SECURE_CODE } from './secure/constants.js'
import { SecureProtocolError, TruncatedStreamError } from './secure/errors.js'
import {
  type ClientHandshake,
  createClientHandshake,
  createServerHandshake,
  type ServerHandshake,
} from './secure/handshake.js'
import type { IdentityKeyPair, KeyPin } from './secure/keys.js'
import type { TrustStore } from './secure/trust-store.js'
import { AUTH, AUTH_CODE, AUTH_RESULT, AUTH_RESULT_CODE } from './system-types.js'

/** Server: strict (default) = the completing frame must be a HELLO_ACK with a compatible version; lenient = any frame with the HELLO id (the reference). */
export type HandshakeMode = 'strict' | 'lenient'

/** Why a session closed: the transport's reason, or one of the session's own. */
export type SessionCloseReason =
  | CloseReason
  | 'handshake-timeout'
  | 'version-mismatch'
  | 'handshake-failed'
  | 'heartbeat-timeout'
  /** The server's `authenticate` hook refused the client (both sides report it). */
  | 'auth-refused'

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

/** `'off'`: plain 1.6.3 (no capability entry). `'optional'`: encrypted when the peer announces it too, else plain. `'required'`: encrypted or refused (`EncryptionRequiredError`). */
export type SessionEncryptionPolicy = 'off' | 'optional' | 'required'

/**
 * End-to-end encryption of one session (see `src/secure/README.md` for the wire format). Negotiated in the
 * HELLO / HELLO_ACK capability block: a reference peer never announces it, so the session stays plain 1.6.3
 * unless `policy` is `'required'`.
 */
export interface SessionEncryptionInit {
  policy: SessionEncryptionPolicy
  /**
   * Server: its long-term Ed25519 identity (required when the policy is not 'off'). Client: its own identity,
   * presented when the server asks for client authentication.
   */
  identity?: IdentityKeyPair
  /** Server: whether clients must prove an identity key (default 'none'). */
  clientAuth?: ClientAuthPolicy
  /** Server: client keys accepted under `clientAuth`. */
  trustedClients?: Iterable<KeyPin>
  /** Server: called for a client key not in `trustedClients`; true accepts it. */
  verifyClient?(publicKey: Uint8Array, fingerprint: string): boolean
  /** Client: pinned server key(s) (raw 32 bytes, `SHA256:…` fingerprint or PEM). */
  serverKey?: KeyPin | readonly KeyPin[]
  /** Client: trust-on-first-use store (needs `host`). */
  trustStore?: TrustStore
  /** Client: the trust store's name for this server, e.g. 'chat.example.com:7000'. */
  host?: string
  /** Client, TOFU: called for a host the store does not know; true trusts and records the key. Default: trust. */
  onNewServerKey?(host: string, fingerprint: string): boolean
  /** Client: accept any server key (passive eavesdroppers only). Must be explicit. */
  allowUnverified?: boolean
  /** Records per direction before the connection must close; default 2^48. */
  maxRecords?: number
  /** Batch flush threshold in bytes; default DEFAULT_SECURE_FLUSH_BYTES (64 KiB). */
  flushBytes?: number
}

/** What a server's `authenticate` hook sees: the client's handshake. */
export interface AuthenticateInfo {
  remoteAddress: string
  remotePort: number
  /** The client's HELLO_ACK capabilities (empty for a reference client). */
  capabilities: Capabilities
  /** The token the client supplied (`SessionInit.token`), or undefined (none, or a client that sends none). */
  token: Uint8Array | undefined
  /** True when the session is encrypted (the token then travelled encrypted). */
  encrypted: boolean
  /** The client's authenticated Ed25519 key (mutual authentication), else undefined. */
  peerIdentity: Uint8Array | undefined
  peerVersion: string | undefined
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
  /**
   * End-to-end encryption (default off). Bad settings (no server identity, no client verification mode)
   * fail the session at once with `SecureConfigError`.
   */
  encryption?: SessionEncryptionInit
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

/** Secure phase: none (plain), waiting for the peer's Finished, channel up. */
const SEC_NONE = 0
const SEC_AWAIT = 1
const SEC_UP = 2
/** Authentication phase. */
const AUTH_NONE = 0
const AUTH_WAIT_TOKEN = 1 // server: waiting for the client's AUTH
const AUTH_DECIDING = 2 // server: the hook is running
const AUTH_WAIT_VERDICT = 3 // client: waiting for AUTH_RESULT
const RECORD_EXTRA = 1 + 16 // record type + tag

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
  // encryption (all unused when it is off)
  #serverHs: ServerHandshake | undefined
  #clientHs: ClientHandshake | undefined
  #channel: SecureChannel | undefined
  #sec = SEC_NONE
  #inner: FrameDecoder | undefined
  #out: Buffer | undefined
  #outLen = 0
  #flushQueued = false
  #sendState: SendResult = 'ok'
  readonly #flushBytes: number
  readonly #maxMessageSize: number
  // authentication
  #auth = AUTH_NONE
  #ackReceived = false
  #peerAuth = false

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
    this.#flushBytes = Math.max(1024, init.encryption?.flushBytes ?? DEFAULT_SECURE_FLUSH_BYTES)
    this.#maxMessageSize = init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE
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
      drain: () => {
        this.#sendState = 'ok'
        this.#init.onDrain?.(this)
      },
      close: (info) => this.#onClose(info),
    })

    if (this.connection.closed) {
      this.#finish('local', new ConnectionClosedError('connection was already closed'))
      return
    }
    const enc = init.encryption
    const usesAuth = (this.role === 'server' && init.authenticate !== undefined) || this.role === 'client'
    try {
      if (enc !== undefined && enc.policy !== 'off') {
        registerQuietly(this.registry, SECURE)
        if (this.role === 'server') {
          this.#serverHs = createServerHandshake({
            identity: enc.identity as IdentityKeyPair,
            policy: enc.policy,
            ...(enc.clientAuth === undefined ? {} : { clientAuth: enc.clientAuth }),
            ...(enc.trustedClients === undefined ? {} : { trustedClients: enc.trustedClients }),
            ...(enc.verifyClient === undefined ? {} : { verifyClient: enc.verifyClient }),
            ...(enc.maxRecords === undefined ? {} : { maxRecords: enc.maxRecords }),
          })
        } else {
          this.#clientHs = createClientHandshake({ ...enc, policy: enc.policy })
        }
      }
      if (usesAuth) {
        registerQuietly(this.registry, AUTH)
        registerQuietly(this.registry, AUTH_RESULT)
      }
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)), 'handshake-failed')
      return
    }
    if (this.role === 'server') {
      // A random id per connection: scoped to it, and not guessable from another connection's HELLO.
      this.#helloId = randomInt(0, 0x1_0000_0000)
      const caps = init.authenticate === undefined ? this.#caps : withAuthCap(this.#caps)
      let hello: Uint8Array
      try {
        hello =
          this.#serverHs === undefined
            ? encodeHelloPayload(this.protocolVersion, caps)
            : this.#serverHs.hello(this.protocolVersion, caps)
      } catch (error) {
        this.#fail(error as Error, 'handshake-failed')
        return
      }
      this.sendFrame(HELLO.code, this.#helloId, hello)
    }
  }

  /** True once the secure channel is up: every frame travels sealed. */
  get encrypted(): boolean {
    return this.#channel !== undefined
  }

  /**
   * The peer's authenticated Ed25519 identity key (raw 32 bytes) on an encrypted session: the server's key on
   * a client; the client's key on a server that asked for client authentication. Else undefined.
   */
  get peerIdentity(): Uint8Array | undefined {
    return this.#channel?.peerIdentity
  }

  /** SHA-256 of the handshake transcript on an encrypted session (a channel-binding value, equal on both sides). */
  get channelBinding(): Uint8Array | undefined {
    return this.#channel?.transcriptHash
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

  /**
   * Sends one frame. On an encrypted session the frame joins the current batch, sealed and written at the end
   * of the tick (or once the batch reaches `flushBytes`); the result is then 'ok' / 'backpressure' as of the
   * last write, 'closed' once closing. Throws `FrameTooLargeError` up front when the sealed frame would exceed
   * `maxMessageSize`.
   */
  sendFrame(code: number, requestId: number, payload: Uint8Array): SendResult {
    if (this.#channel !== undefined) return this.#sendSealed(code, requestId, payload)
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
    const ch = this.#channel
    if (ch === undefined || ch.closeSent || this.connection.closed) return false
    this.#flush()
    if (this.#closed || ch.closeSent) return false
    try {
      this.connection.send(SECURE_CODE, 0, ch.sealClose(), 0)
      return true
    } catch {
      return false
    }
  }

  /** Abrupt close: drops what was queued. */
  destroy(error?: Error): void {
    this.#finish('local', error)
    this.connection.destroy(error)
  }

  // --- receiving -------------------------------------------------------------------------------------------

  #onFrame(f: Frame): void {
    if (this.#closed) return
    if (this.#sec !== SEC_NONE) {
      this.#onSecureFrame(f)
      return
    }
    this.#handle(f)
  }

  /** One frame in the clear (plain session) or one inner frame out of a record. */
  #handle(f: Frame): void {
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
      if (this.#auth !== AUTH_NONE) {
        if (this.#authFrame(f)) return
      } else if (this.role === 'client') {
        if (code === HELLO.code) {
          this.#clientHello(f)
          return
        }
      } else if (f.requestId === this.#helloId && !this.#ackReceived) {
        this.#ackReceived = true
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
    this.#helloId = f.requestId
    this.#peerAuth = hello.capabilities?.has(CAP_AUTH) === true
    const mine = this.#peerAuth ? withAuthCap(this.#caps) : this.#caps
    let ack: Uint8Array
    let secure = false
    if (this.#clientHs !== undefined) {
      try {
        const r = this.#clientHs.receiveHello(f.payload, this.protocolVersion, mine)
        ack = r.ack
        secure = r.status === 'awaiting-finished'
      } catch (error) {
        this.#fail(error as Error, 'handshake-failed')
        return
      }
    } else {
      // Capabilities only to a server that announced some: a reference server gets the reference's exact bytes.
      ack = encodeHelloPayload(this.protocolVersion, hello.capabilities !== null ? mine : undefined)
    }
    this.sendFrame(HELLO_ACK.code, f.requestId, ack)
    if (secure) {
      this.#sec = SEC_AWAIT // the server's Finished comes next
      return
    }
    this.#clientProceed()
  }

  /** Client, once the HELLO_ACK is out and the channel (if any) is up: send the token or complete. */
  #clientProceed(): void {
    if (!this.#peerAuth) {
      this.#complete()
      return
    }
    const t = this.#init.token
    const token = t === undefined ? EMPTY : typeof t === 'string' ? Buffer.from(t, 'utf8') : t
    this.#auth = AUTH_WAIT_VERDICT
    this.sendFrame(AUTH_CODE, this.#helloId, token)
  }

  /** Server, once the HELLO_ACK is in and the channel (if any) is up: authenticate or complete. */
  #serverProceed(): void {
    if (this.#init.authenticate === undefined) {
      this.#complete()
      return
    }
    if (this.#peerAuth) {
      this.#auth = AUTH_WAIT_TOKEN // the client's AUTH comes next
      return
    }
    this.#decide(undefined)
  }

  /** An AUTH / AUTH_RESULT during the authentication phase; false for any other frame (held as early). */
  #authFrame(f: Frame): boolean {
    if (f.requestId !== this.#helloId) return false
    if (this.#auth === AUTH_WAIT_TOKEN && f.code === AUTH_CODE) {
      this.#decide(new Uint8Array(f.payload))
      return true
    }
    if (this.#auth === AUTH_WAIT_VERDICT && f.code === AUTH_RESULT_CODE) {
      if (f.payload.length >= 1 && f.payload[0] === 1) {
        this.#auth = AUTH_NONE
        this.#complete()
      } else {
        const why = f.payload.length > 1 ? Buffer.from(f.payload.subarray(1)).toString('utf8') : ''
        this.#fail(
          new AuthenticationError(`the server refused the authentication${why === '' ? '' : `: ${why}`}`),
          'auth-refused',
        )
      }
      return true
    }
    return false
  }

  #decide(token: Uint8Array | undefined): void {
    this.#auth = AUTH_DECIDING
    const info: AuthenticateInfo = {
      remoteAddress: this.connection.remoteAddress,
      remotePort: this.connection.remotePort,
      capabilities: this.#peerCaps,
      token,
      encrypted: this.#channel !== undefined,
      peerIdentity: this.#channel?.peerIdentity,
      peerVersion: this.#peerVersion,
    }
    let verdict: boolean | Promise<boolean>
    try {
      verdict = this.#init.authenticate!(info, this)
    } catch (error) {
      this.#report(error instanceof Error ? error : new Error(String(error)), 'authenticate threw')
      verdict = false
    }
    if (typeof verdict === 'boolean') {
      this.#verdict(verdict)
      return
    }
    Promise.resolve(verdict).then(
      (ok) => this.#verdict(ok === true),
      (error: unknown) => {
        this.#report(error instanceof Error ? error : new Error(String(error)), 'authenticate rejected')
        this.#verdict(false)
      },
    )
  }

  #verdict(ok: boolean): void {
    if (this.#closed) return
    this.#auth = AUTH_NONE
    if (ok) {
      if (this.#peerAuth) this.sendFrame(AUTH_RESULT_CODE, this.#helloId, Uint8Array.of(1))
      this.#complete()
      return
    }
    const error = new AuthenticationError('refused by the server (authenticate returned false)')
    this.#log.warning(() => `closing: ${error.message}`, { conn: this.connection.id })
    if (this.#peerAuth) this.sendFrame(AUTH_RESULT_CODE, this.#helloId, Uint8Array.of(0))
    // Graceful: the verdict is written before the end.
    this.sendCloseNotify()
    this.connection.close().catch(() => {})
    this.#finish('auth-refused', error)
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
      this.#serverAck(undefined)
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
      this.#peerAuth = hello.capabilities?.has(CAP_AUTH) === true
    }
    this.#serverAck(hello === undefined ? undefined : f.payload)
  }

  /** Server: the HELLO_ACK (or a lenient completion) is in; negotiate encryption, then proceed. */
  #serverAck(ackPayload: Uint8Array | undefined): void {
    const hs = this.#serverHs
    if (hs !== undefined) {
      let r: ReturnType<ServerHandshake['receiveAck']>
      try {
        r = hs.receiveAck(ackPayload)
      } catch (error) {
        this.#fail(error as Error, 'handshake-failed')
        return
      }
      if (r.status !== 'plain') {
        this.connection.send(SECURE_CODE, 0, r.finished, 0)
        if (r.status === 'awaiting-client-finished') {
          this.#sec = SEC_AWAIT
          return
        }
        this.#startChannel(r.channel)
      }
    }
    this.#serverProceed()
  }

  // --- encryption ------------------------------------------------------------------------------------------

  #startChannel(channel: SecureChannel): void {
    this.#channel = channel
    this.#sec = SEC_UP
    this.#inner = new FrameDecoder({
      onFrame: (f) => this.#handle(f),
      onError: (e) => this.#onInnerDecodeError(e),
      maxMessageSize: Number.POSITIVE_INFINITY,
      ...(this.#init.dropUnknownTypes === true ? { registry: this.registry } : {}),
    })
    this.#log.debug(() => `secure channel up (${this.role})`)
  }

  /** An outer frame once encryption was negotiated: only SECURE frames are acceptable. */
  #onSecureFrame(f: Frame): void {
    const up = this.#sec === SEC_UP
    const reason: SessionCloseReason = this.#handshakeDone ? 'protocol-error' : 'handshake-failed'
    if (f.code !== SECURE_CODE) {
      if (!up && this.role === 'client') {
        // Sent in the clear before the server's Finished: nothing may be trusted, nothing is answered.
        this.stats.droppedFrames.handshake++
        return
      }
      this.#fail(
        new SecureProtocolError(`a plaintext frame (code ${f.code}) on an encrypted connection`),
        reason,
      )
      return
    }
    if (f.requestId !== 0 || f.timestamp !== 0) {
      this.#fail(new SecureProtocolError('a SECURE frame with a non-zero outer id or timestamp'), reason)
      return
    }
    try {
      if (!up) {
        if (this.#clientHs !== undefined) {
          const { channel, finished } = this.#clientHs.receiveFinished(f.payload)
          if (finished !== undefined) this.connection.send(SECURE_CODE, 0, finished, 0)
          this.#startChannel(channel)
          this.#clientProceed()
        } else {
          this.#startChannel(this.#serverHs!.receiveClientFinished(f.payload))
          this.#serverProceed()
        }
        return
      }
      const plaintext = this.#channel!.openRecord(f.payload)
      if (plaintext === null) return // the peer's close-notify: its end follows
      // Checked before anything in it is delivered: a record is all whole frames or nothing.
      let o = 0
      while (o + HEADER <= plaintext.length) o += HEADER + plaintext.readUInt32BE(o + 2)
      if (o !== plaintext.length)
        throw new SecureProtocolError('a record that does not end on a frame boundary')
      this.#inner!.push(plaintext)
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)), reason)
    }
  }

  #onInnerDecodeError(e: CodecError): void {
    if (e.name === 'UnknownMessageTypeError') {
      this.stats.droppedFrames.unknownType++
      this.#report(e)
      return
    }
    // A bad inner CRC or framing inside an authentic record: the peer is broken.
    this.#fail(new SecureProtocolError(`inner frame: ${e.message}`, { cause: e }), 'protocol-error')
  }

  #sendSealed(code: number, requestId: number, payload: Uint8Array): SendResult {
    if (this.#closed || this.connection.closed || this.#channel!.closeSent) return 'closed'
    const n = HEADER + payload.length
    if (n + RECORD_EXTRA + HEADER > this.#maxMessageSize) {
      throw new FrameTooLargeError(code, n + RECORD_EXTRA + HEADER, this.#maxMessageSize)
    }
    const timestamp = Date.now()
    if (n >= this.#flushBytes) {
      // A large frame: its own record, no copy into the batch.
      this.#flush()
      if (this.#closed) return 'closed'
      const one = Buffer.allocUnsafe(n)
      writeFrame(one, 0, code, requestId, payload, timestamp)
      this.#write(one)
    } else {
      if (this.#outLen + n > this.#flushBytes) this.#flush()
      if (this.#closed) return 'closed'
      let out = this.#out
      if (out === undefined || out.length < this.#outLen + n) {
        const grown = Buffer.allocUnsafe(Math.min(this.#flushBytes, Math.max(1024, 2 * (this.#outLen + n))))
        if (out !== undefined && this.#outLen > 0) out.copy(grown, 0, 0, this.#outLen)
        this.#out = out = grown
      }
      this.#outLen = writeFrame(out, this.#outLen, code, requestId, payload, timestamp)
      if (!this.#flushQueued) {
        this.#flushQueued = true
        queueMicrotask(this.#endOfTick)
      }
    }
    this.stats.messagesOut++
    this.stats.bytesOut += n
    return this.#closed ? 'closed' : this.#sendState
  }

  readonly #endOfTick = (): void => {
    this.#flushQueued = false
    this.#flush()
    // Idle connections do not keep a burst-sized buffer.
    if (this.#out !== undefined && this.#out.length > SECURE_BATCH_KEEP_BYTES) this.#out = undefined
  }

  /** Seals and writes the batch, if any. */
  #flush(): void {
    if (this.#outLen === 0 || this.#closed) return
    const len = this.#outLen
    this.#outLen = 0
    this.#write(this.#out!.subarray(0, len))
  }

  #write(frames: Uint8Array): void {
    const ch = this.#channel!
    if (ch.closeSent) return
    let r: SendResult
    try {
      r = this.connection.send(SECURE_CODE, 0, ch.sealFrames(frames), 0)
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)), 'protocol-error')
      return
    }
    if (r === 'backpressure') this.#sendState = 'backpressure'
    else if (r === 'overflow') {
      // A record the connection refused leaves a gap in the sequence: the stream cannot go on.
      this.#fail(new SendRejectedError(r), 'overflow')
    }
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
    if (this.#sec !== SEC_NONE) {
      // Once encrypted, a frame lost on the way (bad CRC, altered code) is tampering: nothing after it is whole.
      this.#fail(new SecureProtocolError(`outer frame: ${e.message}`, { cause: e }), 'protocol-error')
      return
    }
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
    const ch = this.#channel
    if (info.reason === 'remote-end' && info.error === undefined && ch !== undefined && !ch.peerClosed) {
      this.#finish(info.reason, new TruncatedStreamError(ch.receiveSequence))
      return
    }
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
    this.#outLen = 0
    this.#out = undefined
    this.#channel?.dispose()
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

function registerQuietly(registry: MessageTypeRegistry, type: import('@veltix/codec').MessageType): void {
  try {
    registry.register(type)
  } catch {
    // another type holds the code: frames with it are still delivered to the session by the transport
  }
}

function withAuthCap(caps: Capabilities | undefined): Capabilities {
  const out = new Map(caps ?? [])
  out.set(CAP_AUTH, Uint8Array.of(1))
  return out
}
