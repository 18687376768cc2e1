import { randomInt } from 'node:crypto'
import {
  type Capabilities,
  type CodecError,
  DEFAULT_MAX_MESSAGE_SIZE,
  decodeHelloPayload,
  ERROR,
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
import { type LoggerLike, LogLevel, noopLogger } from '@veltix/logger'
import type { CloseInfo, CloseReason, Connection, ConnectionHandler, SendResult } from '@veltix/transport'
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
  ServerRefusedError,
  VersionMismatchError,
} from './errors.js'
import { PendingTable, type PendingWait } from './pending-table.js'
import { type ClientAuthPolicy, readEnc } from './secure/capabilities.js'
import type { SecureChannel } from './secure/channel.js'
import { SECURE, SECURE_CODE } from './secure/constants.js'
import { EncryptionRequiredError, SecureProtocolError, TruncatedStreamError } from './secure/errors.js'
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

const PING_CODE = PING.code
const PONG_CODE = PONG.code
const HELLO_CODE = HELLO.code
const HELLO_ACK_CODE = HELLO_ACK.code
const ONCE = { once: true } as const
const noop = (): void => {}

// `RESOLVED.then` queues a microtask without the AsyncResource and bound function of Node's `queueMicrotask`.
const RESOLVED = Promise.resolve()

/**
 * `receivedAt` of delivered messages and the timestamp of sealed frames: one `Date.now()` per I/O callback or
 * synchronous run (every frame decoded from one read, or sent in one burst, shares it), dropped by a microtask
 * once that run returns. A received frame is stamped with the time its chunk began to be processed, which is
 * the time it was received to within the handlers' own run time.
 */
let clockNow = 0
let clockValid = false
const clockReset = (): void => {
  clockValid = false
}
function tickClock(): number {
  if (!clockValid) {
    clockNow = Date.now()
    clockValid = true
    RESOLVED.then(clockReset)
  }
  return clockNow
}

/** A plain client's look at the server's HELLO: does it announce `encryption: 'required'`? (A malformed entry: no.) */
function serverRequiresEncryption(caps: Capabilities | null): boolean {
  try {
    return readEnc(caps)?.policy === 'required'
  } catch {
    return false
  }
}

/** State needed only until the handshake is done: dropped then (or at the close), so an idle session is small. */
class HandshakeState {
  readonly init: SessionInit
  helloId = -1
  timer: NodeJS.Timeout | undefined = undefined
  /** Frames held until the handshake is done (created on the first one). */
  early: Frame[] | undefined = undefined
  earlyBytes = 0
  auth = AUTH_NONE
  ackReceived = false
  peerAuth = false
  /** `ready`'s settlers, once someone asked for `ready` before the handshake ended. */
  resolve: (() => void) | undefined = undefined
  reject: ((e: Error) => void) | undefined = undefined

  constructor(init: SessionInit) {
    this.init = init
  }
}

/** Encryption state: only sessions whose policy is not 'off' have one. */
class SecureState {
  serverHs: ServerHandshake | undefined = undefined
  clientHs: ClientHandshake | undefined = undefined
  /** Cuts the inner frames out of each opened record (one per session: its fast path reads them in place). */
  inner: FrameDecoder | undefined = undefined
  out: Buffer | undefined = undefined
  outLen = 0
  flushQueued = false
  sendState: SendResult = 'ok'
  readonly flushBytes: number
  readonly maxMessageSize: number
  readonly dropUnknownTypes: boolean
  endOfTick: () => void = noop

  constructor(init: SessionInit) {
    this.flushBytes = Math.max(1024, init.encryption?.flushBytes ?? DEFAULT_SECURE_FLUSH_BYTES)
    this.maxMessageSize = init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE
    this.dropUnknownTypes = init.dropUnknownTypes === true
  }
}

/** One wait of `sendAndWait` / `ping` (its own abort listener: no closure per wait). */
class Wait implements PendingWait<Frame> {
  heapIndex = -1
  readonly id: number
  readonly start: number
  readonly deadline: number
  readonly session: Session
  readonly table: PendingTable<Frame>
  /** true: resolve the round trip (ping); false: the reply as a `Response`. */
  readonly ping: boolean
  readonly signal: AbortSignal | undefined
  resolve: (value: never) => void = noop
  reject: (error: Error) => void = noop

  constructor(
    session: Session,
    table: PendingTable<Frame>,
    id: number,
    timeout: number,
    ping: boolean,
    signal: AbortSignal | undefined,
  ) {
    this.session = session
    this.table = table
    this.id = id
    this.ping = ping
    this.signal = signal
    this.start = performance.now()
    this.deadline =
      timeout === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : this.start + Math.max(0, timeout)
  }

  settle(frame: Frame | null): void {
    if (this.signal !== undefined) this.signal.removeEventListener('abort', this)
    const resolve = this.resolve as (value: Response | number | null) => void
    if (frame === null) {
      resolve(null)
      return
    }
    const s = this.session
    const rtt = performance.now() - this.start
    s.stats.lastRtt = rtt
    if (this.ping) {
      resolve(rtt)
      return
    }
    // Not copied: the payload is a view into the received chunk, as for every `Response` (see the README).
    const r = new Response(s.registry.resolve(frame.code), frame, tickClock())
    r.latency = rtt
    resolve(r)
  }

  fail(error: Error): void {
    if (this.signal !== undefined) this.signal.removeEventListener('abort', this)
    this.reject(error)
  }

  /** The signal's 'abort' event. */
  handleEvent(): void {
    if (this.table.delete(this)) this.fail(abortError(this.signal!))
  }
}

let linkFrame: (s: Session, f: Frame) => void
let linkDecodeError: (s: Session, e: CodecError) => void
let linkDrain: (s: Session) => void
let linkClose: (s: Session, info: CloseInfo) => void

/** The connection's handler: one small object per session rather than four closures. */
class SessionLink implements ConnectionHandler {
  readonly session: Session
  constructor(session: Session) {
    this.session = session
  }
  frame(f: Frame): void {
    linkFrame(this.session, f)
  }
  decodeError(e: CodecError): void {
    linkDecodeError(this.session, e)
  }
  drain(): void {
    linkDrain(this.session)
  }
  close(info: CloseInfo): void {
    linkClose(this.session, info)
  }
}

/**
 * One connection's session: the handshake, ping/pong, request correlation and the gate that keeps application
 * frames away from handlers until the handshake is done. It attaches itself as the connection's handler.
 */
export class Session {
  static {
    // The plain case calls #handle directly: one call level less per received frame.
    linkFrame = (s, f) => (s.#sec === SEC_NONE ? s.#handle(f) : s.#onFrame(f))
    linkDecodeError = (s, e) => s.#onDecodeError(e)
    linkDrain = (s) => s.#onDrain()
    linkClose = (s, info) => s.#onClose(info)
  }

  // Memory per idle connection matters (10,000s per server): every field is declared here, in one order, and
  // state used only by the handshake (`#hs`) or by encryption (`#sx`) lives in objects of its own.
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
  #pending: PendingTable<Frame> | undefined
  readonly #onMessage: SessionInit['onMessage']
  readonly #onCloseCb: SessionInit['onClose']
  readonly #onError: SessionInit['onError']
  readonly #onDrainCb: SessionInit['onDrain']
  #hs: HandshakeState | undefined
  #sx: SecureState | undefined
  #channel: SecureChannel | undefined
  #sec: number
  #handshakeDone: boolean
  #closed: boolean
  #heartbeatBusy: boolean
  #ready: Promise<void> | undefined
  #closeInfo: SessionCloseInfo | undefined
  #closePromise: Promise<void> | undefined
  #heartbeatTimer: NodeJS.Timeout | undefined
  #peerVersion: string | undefined
  #peerCaps: Capabilities | undefined
  #shared: ReadonlySet<string> | undefined

  constructor(init: SessionInit) {
    this.connection = init.connection
    this.role = init.role
    this.registry = init.registry ?? new MessageTypeRegistry()
    this.protocolVersion = init.protocolVersion ?? DEFAULT_PROTOCOL_VERSION
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
    this.data = init.data
    this.#log = init.logger ?? noopLogger
    this.#logPeer = init.logPeer === true && init.logger !== undefined
    this.#pending = undefined
    this.#onMessage = init.onMessage
    this.#onCloseCb = init.onClose
    this.#onError = init.onError
    this.#onDrainCb = init.onDrain
    const hs = new HandshakeState(init)
    this.#hs = hs
    const enc = init.encryption
    this.#sx = enc !== undefined && enc.policy !== 'off' ? new SecureState(init) : undefined
    this.#channel = undefined
    this.#sec = SEC_NONE
    this.#handshakeDone = false
    this.#closed = false
    this.#heartbeatBusy = false
    this.#ready = undefined
    this.#closeInfo = undefined
    this.#closePromise = undefined
    this.#heartbeatTimer = undefined
    this.#peerVersion = undefined
    this.#peerCaps = undefined
    this.#shared = undefined

    const timeout = init.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT
    if (timeout > 0 && timeout !== Number.POSITIVE_INFINITY) {
      hs.timer = setTimeout(
        () => {
          hs.timer = undefined
          if (!this.#handshakeDone) this.#fail(new HandshakeTimeoutError(timeout), 'handshake-timeout')
        },
        Math.min(timeout, MAX_TIMER_DELAY),
      )
    }

    this.connection.setHandler(new SessionLink(this))

    if (this.connection.closed) {
      this.#finish('local', new ConnectionClosedError('connection was already closed'))
      return
    }
    const sx = this.#sx
    const usesAuth = (this.role === 'server' && init.authenticate !== undefined) || this.role === 'client'
    try {
      if (enc !== undefined && enc.policy !== 'off' && sx !== undefined) {
        registerQuietly(this.registry, SECURE)
        if (this.role === 'server') {
          sx.serverHs = createServerHandshake({
            identity: enc.identity as IdentityKeyPair,
            policy: enc.policy,
            ...(enc.clientAuth === undefined ? {} : { clientAuth: enc.clientAuth }),
            ...(enc.trustedClients === undefined ? {} : { trustedClients: enc.trustedClients }),
            ...(enc.verifyClient === undefined ? {} : { verifyClient: enc.verifyClient }),
            ...(enc.maxRecords === undefined ? {} : { maxRecords: enc.maxRecords }),
          })
        } else {
          sx.clientHs = createClientHandshake({ ...enc, policy: enc.policy })
        }
        sx.endOfTick = () => this.#endOfTick()
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
      hs.helloId = randomInt(0, 0x1_0000_0000)
      const caps = init.authenticate === undefined ? init.capabilities : withAuthCap(init.capabilities)
      let hello: Uint8Array
      try {
        hello =
          sx?.serverHs === undefined
            ? encodeHelloPayload(this.protocolVersion, caps)
            : sx.serverHs.hello(this.protocolVersion, caps)
      } catch (error) {
        this.#fail(error as Error, 'handshake-failed')
        return
      }
      this.sendFrame(HELLO_CODE, hs.helloId, hello)
    }
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
    const p = this.#pending
    return p === undefined ? 0 : p.size
  }

  /** Sends a request without waiting. True only if the connection accepted it ('ok' or 'backpressure'). */
  send(request: Request): boolean {
    const payload = request.payload
    if (this.#channel !== undefined) {
      const sealed = this.#sendSealed(request.type.code, request.id, payload)
      return sealed === 'ok' || sealed === 'backpressure'
    }
    // `sendFrame` inlined by hand for plain sessions: one call level less on the hottest path.
    const r = this.connection.send(request.type.code, request.id, payload)
    if (r !== 'ok' && r !== 'backpressure') return false
    const st = this.stats
    st.messagesOut++
    st.bytesOut += HEADER + payload.length
    return true
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
      const st = this.stats
      st.messagesOut++
      st.bytesOut += HEADER + payload.length
    }
    return r
  }

  /**
   * Sends `request` and waits for the first frame carrying its id (any type, as the reference); that frame
   * does not reach `onMessage`. Resolves the reply with `latency` set (ms, monotonic), or null on timeout.
   * Rejects `AbortError` on abort, `ConnectionClosedError` when the connection closes while waiting,
   * `NotConnectedError` if already closed, `DuplicateRequestIdError` for a caller-supplied id already pending.
   * The reply's `content` is a view into the received chunk, as for every `Response`: copy it to keep it.
   */
  sendAndWait(request: Request, opts?: WaitOptions): Promise<Response | null> {
    const table = this.#table()
    let id = request.id
    if (table.has(id)) {
      if (!request.generatedId) return Promise.reject(new DuplicateRequestIdError(id))
      do id = nextRequestId()
      while (table.has(id))
    }
    return this.#wait(
      table,
      request.type.code,
      id,
      request.payload,
      opts?.timeout ?? DEFAULT_REQUEST_TIMEOUT,
      opts?.signal,
      false,
    ) as Promise<Response | null>
  }

  /** Sends PING and resolves the round trip in ms (monotonic, sub-ms), or null on timeout. Same errors as sendAndWait. */
  ping(opts?: WaitOptions): Promise<number | null> {
    const table = this.#table()
    let id = nextRequestId()
    while (table.has(id)) id = nextRequestId()
    return this.#wait(
      table,
      PING_CODE,
      id,
      EMPTY,
      opts?.timeout ?? DEFAULT_PING_TIMEOUT,
      opts?.signal,
      true,
    ) as Promise<number | null>
  }

  /** The pending table, created on the first wait. */
  #table(): PendingTable<Frame> {
    let t = this.#pending
    if (t === undefined) this.#pending = t = new PendingTable<Frame>(undefined, this.stats)
    return t
  }

  #wait(
    table: PendingTable<Frame>,
    code: number,
    id: number,
    payload: Uint8Array,
    timeout: number,
    signal: AbortSignal | undefined,
    ping: boolean,
  ): Promise<Response | number | null> {
    if (this.#closed || this.connection.closed) return Promise.reject(new NotConnectedError())
    if (signal?.aborted) return Promise.reject(abortError(signal))
    const wait = new Wait(this, table, id, timeout, ping, signal)
    const promise = new Promise<Response | number | null>((resolve, reject) => {
      wait.resolve = resolve
      wait.reject = reject
    })
    if (signal !== undefined) signal.addEventListener('abort', wait, ONCE)
    // In the table before the send: an in-memory peer may answer synchronously.
    table.add(wait)
    let result: SendResult
    try {
      result = this.sendFrame(code, id, payload)
    } catch (error) {
      // e.g. FrameTooLargeError from an encrypted send: the wait rejects with it and leaves the table.
      if (table.delete(wait)) wait.fail(error instanceof Error ? error : new Error(String(error)))
      return promise
    }
    if (result !== 'ok' && result !== 'backpressure' && table.delete(wait)) {
      wait.fail(result === 'closed' ? new NotConnectedError() : new SendRejectedError(result))
    }
    return promise
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
    if (this.#sec !== SEC_NONE) {
      if (!this.#closed) this.#onSecureFrame(f)
      return
    }
    this.#handle(f)
  }

  /** One frame in the clear (plain session) or one inner frame out of a record. */
  #handle(f: Frame): void {
    if (this.#closed) return
    const st = this.stats
    st.messagesIn++
    st.bytesIn += HEADER + f.payload.length
    const code = f.code
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
      const pending = this.#pending
      if (pending !== undefined && pending.size > 0) {
        const wait = pending.take(f.requestId)
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
    this.#handleEarly(f)
  }

  /** A frame before the handshake is done (not a PING). */
  #handleEarly(f: Frame): void {
    const code = f.code
    const hs = this.#hs!
    // 2. Handshake.
    if (hs.auth !== AUTH_NONE) {
      if (this.#authFrame(f)) return
    } else if (this.role === 'client') {
      if (code === HELLO_CODE) {
        this.#clientHello(f)
        return
      }
      if (code === ERROR.code && hs.helloId === -1) {
        // An ERROR before any HELLO: the server refuses this connection (it closes next). Say why, typed.
        const why = Buffer.from(f.payload).toString('utf8').slice(0, 512)
        this.#fail(new ServerRefusedError(why), 'handshake-failed')
        return
      }
    } else if (f.requestId === hs.helloId && !hs.ackReceived) {
      hs.ackReceived = true
      this.#serverComplete(f)
      return
    } else if (code === HELLO_ACK_CODE) {
      // A HELLO_ACK that does not carry this connection's HELLO id (e.g. another connection's).
      const why = `HELLO_ACK with id ${requestIdHex(f.requestId)}, expected ${requestIdHex(hs.helloId)}`
      if (hs.init.handshakeMode !== 'lenient') {
        this.#fail(new HandshakeError(why), 'handshake-failed')
        return
      }
      this.stats.droppedFrames.handshake++
      this.#report(new HandshakeError(`${why}: dropped`))
      return
    }
    // 3. A pending reply (first frame with the id, any type).
    const pending = this.#pending
    if (pending !== undefined && pending.size > 0) {
      const wait = pending.take(f.requestId)
      if (wait !== undefined) {
        wait.settle(f)
        return
      }
    }
    if (code === PONG_CODE) {
      this.stats.droppedFrames.unsolicitedPong++
      return
    }
    // 4. Application frames: held until the handshake is done, so nothing reaches handlers before onReady.
    this.#hold(hs, f)
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

  #hold(hs: HandshakeState, f: Frame): void {
    hs.early ??= []
    const early = hs.early
    const n = f.payload.length
    if (
      early.length >= (hs.init.maxEarlyFrames ?? DEFAULT_MAX_EARLY_FRAMES) ||
      hs.earlyBytes + n > (hs.init.maxEarlyBytes ?? DEFAULT_MAX_EARLY_BYTES)
    ) {
      this.#fail(new PreHandshakeOverflowError(early.length + 1, hs.earlyBytes + n), 'handshake-failed')
      return
    }
    hs.earlyBytes += n
    early.push(copyFrame(f))
  }

  #onDrain(): void {
    if (this.#sx !== undefined) this.#sx.sendState = 'ok'
    this.#onDrainCb?.(this)
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
    this.#hs!.helloId = f.requestId
    this.#hs!.peerAuth = hello.capabilities?.has(CAP_AUTH) === true
    const mine = this.#hs!.peerAuth ? withAuthCap(this.#hs!.init.capabilities) : this.#hs!.init.capabilities
    let ack: Uint8Array
    let secure = false
    const clientHs = this.#sx?.clientHs
    if (clientHs !== undefined) {
      try {
        const r = clientHs.receiveHello(f.payload, this.protocolVersion, mine)
        ack = r.ack
        secure = r.status === 'awaiting-finished'
      } catch (error) {
        this.#fail(error as Error, 'handshake-failed')
        return
      }
    } else {
      if (serverRequiresEncryption(hello.capabilities)) {
        // It would refuse our plain HELLO_ACK: say why here, typed, instead of letting the connection just end.
        this.#fail(
          new EncryptionRequiredError(
            'peer',
            "the server requires encryption and this client has it off (set encryption: 'optional' or 'required')",
          ),
          'handshake-failed',
        )
        return
      }
      // Capabilities only to a server that announced some: a reference server gets the reference's exact bytes.
      ack = encodeHelloPayload(this.protocolVersion, hello.capabilities !== null ? mine : undefined)
    }
    this.sendFrame(HELLO_ACK_CODE, f.requestId, ack)
    if (secure) {
      this.#sec = SEC_AWAIT // the server's Finished comes next
      return
    }
    this.#clientProceed()
  }

  /** Client, once the HELLO_ACK is out and the channel (if any) is up: send the token or complete. */
  #clientProceed(): void {
    if (!this.#hs!.peerAuth) {
      this.#complete()
      return
    }
    const t = this.#hs!.init.token
    const token = t === undefined ? EMPTY : typeof t === 'string' ? Buffer.from(t, 'utf8') : t
    this.#hs!.auth = AUTH_WAIT_VERDICT
    this.sendFrame(AUTH_CODE, this.#hs!.helloId, token)
  }

  /** Server, once the HELLO_ACK is in and the channel (if any) is up: authenticate or complete. */
  #serverProceed(): void {
    if (this.#hs!.init.authenticate === undefined) {
      this.#complete()
      return
    }
    if (this.#hs!.peerAuth) {
      this.#hs!.auth = AUTH_WAIT_TOKEN // the client's AUTH comes next
      return
    }
    this.#decide(undefined)
  }

  /** An AUTH / AUTH_RESULT during the authentication phase; false for any other frame (held as early). */
  #authFrame(f: Frame): boolean {
    if (f.requestId !== this.#hs!.helloId) return false
    if (this.#hs!.auth === AUTH_WAIT_TOKEN && f.code === AUTH_CODE) {
      this.#decide(new Uint8Array(f.payload))
      return true
    }
    if (this.#hs!.auth === AUTH_WAIT_VERDICT && f.code === AUTH_RESULT_CODE) {
      if (f.payload.length >= 1 && f.payload[0] === 1) {
        this.#hs!.auth = AUTH_NONE
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
    this.#hs!.auth = AUTH_DECIDING
    const info: AuthenticateInfo = {
      remoteAddress: this.connection.remoteAddress,
      remotePort: this.connection.remotePort,
      capabilities: this.peerCapabilities,
      token,
      encrypted: this.#channel !== undefined,
      peerIdentity: this.#channel?.peerIdentity,
      peerVersion: this.#peerVersion,
    }
    let verdict: boolean | Promise<boolean>
    try {
      verdict = this.#hs!.init.authenticate!(info, this)
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
    this.#hs!.auth = AUTH_NONE
    if (ok) {
      if (this.#hs!.peerAuth) this.sendFrame(AUTH_RESULT_CODE, this.#hs!.helloId, Uint8Array.of(1))
      this.#complete()
      return
    }
    const error = new AuthenticationError('refused by the server (authenticate returned false)')
    this.#logAt(LogLevel.WARNING)?.warning(() => `closing: ${error.message}`, { conn: this.connection.id })
    if (this.#hs!.peerAuth) this.sendFrame(AUTH_RESULT_CODE, this.#hs!.helloId, Uint8Array.of(0))
    // Graceful: the verdict is written before the end.
    this.sendCloseNotify()
    this.connection.close().catch(() => {})
    this.#finish('auth-refused', error)
  }

  #serverComplete(f: Frame): void {
    if (f.code !== HELLO_ACK_CODE) {
      if (this.#hs!.init.handshakeMode !== 'lenient') {
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
      if (this.#hs!.init.handshakeMode !== 'lenient') {
        this.#fail(new HandshakeError('malformed HELLO_ACK', { cause }), 'handshake-failed')
        return
      }
    }
    if (hello !== undefined) {
      if (
        this.#hs!.init.handshakeMode !== 'lenient' &&
        !versionsCompatible(hello.version, this.protocolVersion)
      ) {
        this.#fail(new VersionMismatchError(this.protocolVersion, hello.version), 'version-mismatch')
        return
      }
      this.#peerVersion = hello.version
      this.#setPeerCaps(hello.capabilities)
      this.#hs!.peerAuth = hello.capabilities?.has(CAP_AUTH) === true
    }
    this.#serverAck(hello === undefined ? undefined : f.payload)
  }

  /** Server: the HELLO_ACK (or a lenient completion) is in; negotiate encryption, then proceed. */
  #serverAck(ackPayload: Uint8Array | undefined): void {
    const hs = this.#sx?.serverHs
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
    this.#sx!.inner = new FrameDecoder({
      onFrame: (f) => this.#handle(f),
      onError: (e) => this.#onInnerDecodeError(e),
      maxMessageSize: Number.POSITIVE_INFINITY,
      ...(this.#sx!.dropUnknownTypes ? { registry: this.registry } : {}),
    })
    this.#logAt(LogLevel.DEBUG)?.debug(() => `secure channel up (${this.role})`)
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
    let plaintext: Buffer | null
    try {
      if (!up) {
        if (this.#sx!.clientHs !== undefined) {
          const { channel, finished } = this.#sx!.clientHs.receiveFinished(f.payload)
          if (finished !== undefined) this.connection.send(SECURE_CODE, 0, finished, 0)
          this.#startChannel(channel)
          this.#clientProceed()
        } else {
          this.#startChannel(this.#sx!.serverHs!.receiveClientFinished(f.payload))
          this.#serverProceed()
        }
        return
      }
      plaintext = this.#channel!.openRecord(f.payload)
      if (plaintext === null) return // the peer's close-notify: its end follows
      // Checked before anything in it is delivered: a record is all whole frames or nothing.
      let o = 0
      const pt = plaintext
      while (o + HEADER <= pt.length) {
        // The size field (u32 at +2), read byte by byte: Buffer#readUInt32BE costs more per call.
        o += HEADER + (((pt[o + 2]! << 24) | (pt[o + 3]! << 16) | (pt[o + 4]! << 8) | pt[o + 5]!) >>> 0)
      }
      if (o !== plaintext.length)
        throw new SecureProtocolError('a record that does not end on a frame boundary')
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)), reason)
      return
    }
    // A record holds whole frames (checked above), so the decoder is back at a frame boundary after each.
    this.#sx!.inner!.push(plaintext)
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
    const sx = this.#sx!
    const n = HEADER + payload.length
    if (n + RECORD_EXTRA + HEADER > sx.maxMessageSize) {
      throw new FrameTooLargeError(code, n + RECORD_EXTRA + HEADER, sx.maxMessageSize)
    }
    // One clock reading per synchronous run (as the transport does for plain frames): a burst does not pay
    // a Date.now() per frame.
    const timestamp = tickClock()
    if (n >= sx.flushBytes) {
      // A large frame: its own record, no copy into the batch.
      this.#flush()
      if (this.#closed) return 'closed'
      const one = Buffer.allocUnsafe(n)
      writeFrame(one, 0, code, requestId, payload, timestamp)
      this.#write(one)
    } else {
      if (sx.outLen + n > sx.flushBytes) {
        this.#flush()
        if (this.#closed) return 'closed'
      }
      let out = sx.out
      const len = sx.outLen
      if (out === undefined || out.length < len + n) {
        const grown = Buffer.allocUnsafe(Math.min(sx.flushBytes, Math.max(1024, 2 * (len + n))))
        if (out !== undefined && len > 0) out.copy(grown, 0, 0, len)
        sx.out = out = grown
      }
      sx.outLen = writeFrame(out, len, code, requestId, payload, timestamp)
      if (!sx.flushQueued) {
        sx.flushQueued = true
        RESOLVED.then(sx.endOfTick)
      }
    }
    const st = this.stats
    st.messagesOut++
    st.bytesOut += n
    return this.#closed ? 'closed' : sx.sendState
  }

  #endOfTick(): void {
    if (this.#sx === undefined) return
    this.#sx.flushQueued = false
    this.#flush()
    // Idle connections do not keep a burst-sized buffer.
    const sx = this.#sx
    if (sx.out !== undefined && sx.out.length > SECURE_BATCH_KEEP_BYTES) sx.out = undefined
  }

  /** Seals and writes the batch, if any. */
  #flush(): void {
    if (this.#sx === undefined || this.#sx.outLen === 0 || this.#closed) return
    const len = this.#sx!.outLen
    this.#sx!.outLen = 0
    this.#write(this.#sx!.out!.subarray(0, len))
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
    if (r === 'backpressure') this.#sx!.sendState = 'backpressure'
    else if (r === 'overflow') {
      // A record the connection refused leaves a gap in the sequence: the stream cannot go on.
      this.#fail(new SendRejectedError(r), 'overflow')
    }
  }

  #setPeerCaps(caps: Capabilities | null): void {
    // Left undefined when empty: the getters create empty ones on demand.
    this.#peerCaps = caps ?? undefined
    const mine = this.#hs!.init.capabilities
    this.#shared = undefined
    if (caps === null || mine === undefined) return
    const shared = new Set<string>()
    for (const k of caps.keys()) if (mine.has(k)) shared.add(k)
    this.#shared = shared
  }

  #complete(): void {
    const hs = this.#hs!
    this.#handshakeDone = true
    if (hs.timer !== undefined) clearTimeout(hs.timer)
    hs.timer = undefined
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
    const early = hs.early
    hs.early = undefined
    if (early !== undefined) {
      for (const f of early) {
        if (this.#closed) break
        this.#deliver(f)
      }
    }
    if (!this.#closed) this.#startHeartbeat(hs)
  }

  #startHeartbeat(hs: HandshakeState): void {
    const hb = hs.init.heartbeat
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
    const hs = this.#hs
    this.#hs = undefined
    if (hs?.timer !== undefined) clearTimeout(hs.timer)
    if (this.#heartbeatTimer !== undefined) clearInterval(this.#heartbeatTimer)
    this.#heartbeatTimer = undefined
    const sx = this.#sx
    if (sx !== undefined) {
      sx.outLen = 0
      sx.out = undefined
    }
    this.#channel?.dispose()
    this.#pending?.failAll(
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
   */
  get timerArmed(): boolean {
    return this.#pending?.timerArmed === true
  }

  /** For tests: true while any timer of the pending table exists, idle or not (false once closed). */
  get timerScheduled(): boolean {
    return this.#pending?.timerScheduled === true
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
