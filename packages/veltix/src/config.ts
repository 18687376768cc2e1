import { DEFAULT_MAX_MESSAGE_SIZE, HEADER_SIZE, MAX_FRAME_SIZE_LIMIT } from '@veltix/codec'
import type { LoggerLike } from '@veltix/logger'
import {
  type ClientAuthPolicy,
  type EncryptionPolicy,
  FileTrustStore,
  type IdentityKeyPair,
  type KeyPin,
  loadIdentity,
  MemoryTrustStore,
  type OfflineQueueInit,
  type TrustStore,
  validateEncryption,
} from '@veltix/session'
import {
  BufferSize,
  type ClientTlsOptions,
  PerformanceMode,
  type ServerTlsOptions,
  SocketCore,
} from '@veltix/transport'
import type { ClusterAdapter } from './cluster.js'
import { CLIENT_OPTIONS, checkOptions, SERVER_OPTIONS } from './config-keys.js'
import {
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_ENCRYPTION,
  DEFAULT_HANDSHAKE_TIMEOUT,
  DEFAULT_HOST,
  DEFAULT_MAX_CONNECTION,
  DEFAULT_PORT,
  DEFAULT_REQUEST_TIMEOUT,
  DEFAULT_RETRY,
  DEFAULT_RETRY_DELAY,
  DEFAULT_SERVER_ADDR,
} from './constants.js'
import { defaultLogger } from './default-logger.js'
import { ConfigError } from './errors.js'
import { checkListeners, type Listener } from './listeners.js'
import { type ClientResumeInit, clientResume, type ServerResumeInit, serverResume } from './resume-config.js'
import { type ClientProtocol, protocolOf, type ServerProtocol } from './wire2.js'

/**
 * What happens to a frame whose type code was never declared on this side (routed, or registered with
 * `registerMessageType`): `'deliver'` (default) hands it to `ON_RECV` with a type named `UNKNOWN_<code>`;
 * `'drop'` drops, counts and logs it, as the reference does.
 */
export type UnknownTypePolicy = 'deliver' | 'drop'

/**
 * End-to-end encryption policy (see the README's "Encryption" section): the session's `EncryptionPolicy`,
 * the one name of this concept (it replaces `EncryptionMode`). `'off'` (default): plain 1.6.3.
 * `'optional'`: encrypted when the peer announces it too (a Veltix TS peer with encryption on), plain with a
 * reference peer. `'required'`: encrypted or refused with a typed error (`EncryptionRequiredError`).
 */
export type { EncryptionPolicy }

/** What the server's `authenticate` hook sees of a client's handshake. */
export interface AuthInfo {
  /** The client's `[ip, port]`. */
  addr: readonly [string, number]
  /** The capabilities of its HELLO_ACK (empty for a reference client). */
  capabilities: ReadonlyMap<string, Uint8Array>
  /** The client's `token` as UTF-8 text, or undefined when it sent none. */
  token: string | undefined
  /** The same token as bytes. */
  tokenBytes: Uint8Array | undefined
  /** True when the connection is encrypted (the token then travelled encrypted). */
  encrypted: boolean
  /** Fingerprint (`SHA256:…`) of the client's authenticated key (mutual authentication), else undefined. */
  clientKey: string | undefined
}

/**
 * Server limits. Every one is off by default (0 = no limit). Per address: concurrent connections and new
 * connections per second (a connection over either is closed at once, before any handshake). Per connection:
 * application messages and payload bytes per second (fixed one-second windows), with `onLimit` deciding what
 * happens to a message over the limit.
 */
export interface LimitsInit {
  /** Concurrent connections from one IP address (default 0 = unlimited). */
  maxConnectionsPerAddress?: number
  /** New connections per second from one IP address (default 0 = unlimited). */
  maxNewConnectionsPerSecond?: number
  /** Application messages per second on one connection (default 0 = unlimited). */
  maxMessagesPerSecond?: number
  /** Application payload bytes per second on one connection (default 0 = unlimited). */
  maxBytesPerSecond?: number
  /**
   * Over a per-connection limit: `'drop'` (default) drops the message (counted in `stats().limits.droppedMessages`,
   * logged at debug level); `'close'` closes the connection with a `RateLimitError` (ON_DISCONNECT gets it).
   */
  onLimit?: 'drop' | 'close'
}

/** Options both ends share. Every field is optional; times are milliseconds. */
export interface CommonConfigInit {
  /** End-to-end encryption; default `'off'`. See {@link EncryptionPolicy}. */
  encryption?: EncryptionPolicy
  /** Largest frame, header included, in both directions (default 10 MiB, as the reference). */
  maxMessageSize?: number
  /** Socket read/write sizing preset (default `BufferSize.MEDIUM`). */
  bufferSize?: BufferSize
  /** Latency/throughput trade-off of the socket core (default `PerformanceMode.BALANCED`). */
  performanceMode?: PerformanceMode
  /** Handshake deadline (default 5000). */
  handshakeTimeout?: number
  /** Worker threads of the worker core (default: the transport's, one per CPU core). */
  maxWorkers?: number
  /** `SocketCore.LOOP` (default) or `SocketCore.WORKER`. */
  socketCore?: SocketCore
  /** Default deadline of `sendAndWait` and ping (default 5000). */
  requestTimeout?: number
  /** See {@link UnknownTypePolicy} (default `'deliver'`). */
  unknownMessageTypes?: UnknownTypePolicy
  /** Async route handlers run at most this many at a time per connection (default 1 = strict order). */
  concurrency?: number
  /** Keep-alive: ping every `interval` ms, close after `timeout` ms of silence (default off). */
  heartbeat?: { interval: number; timeout?: number } | false
  /**
   * Where the library logs (default: errors only, on stderr). Pass `Logger.getInstance()` from
   * `veltix/logger` for more, or `noopLogger` for nothing.
   */
  logger?: LoggerLike
}

/** `new Server(init)`: the reference's `ServerConfig` fields in camelCase. */
export interface ServerConfigInit extends CommonConfigInit {
  /** Resumable connections for clients that ask (`resume: true`): see the README's "Connections that survive drops". */
  resume?: ServerResumeInit | boolean
  /** The wire: `'1.6'` (default, Python Veltix 1.6.3) or `'2'` (its 2.x / 3.x line; needs the loop core). */
  protocol?: ServerProtocol
  /** Listening address (default `'0.0.0.0'`). */
  host?: string
  /** Listening port (default 8080; 0 = any free port, read it back from `server.port`). */
  port?: number
  /** Simultaneous connections; -1 (default) = unlimited. A connection beyond it is closed at once. */
  maxConnection?: number
  /**
   * `'strict'` (default): the handshake completes only with a HELLO_ACK carrying a compatible version.
   * `'lenient'`: any frame carrying the HELLO's id completes it, as the reference server does.
   */
  handshakeMode?: 'strict' | 'lenient'
  /**
   * The server's long-term Ed25519 identity (a key pair from `generateIdentity()` / `loadIdentity(pem)`, or the
   * PEM text itself). Clients pin its public key. With encryption on and no identity, the server generates
   * an ephemeral one at construction and logs a warning (clients can then only pin it for this process's life).
   */
  identity?: IdentityKeyPair | string
  /** Client authentication by key (default 'none'); 'optional' / 'required' need `trustedClients` or `verifyClient`. */
  clientAuth?: ClientAuthPolicy
  /** Client public keys accepted under `clientAuth` (raw, fingerprint or PEM). */
  trustedClients?: readonly KeyPin[]
  /** Called for a client key not in `trustedClients`; true accepts it. */
  verifyClient?(publicKey: Uint8Array, fingerprint: string): boolean
  /**
   * Accepts or refuses a client after the handshake and before `ON_CONNECT`. A refused client (false, a throw
   * or a rejection) gets `AuthenticationError` on its side and never reaches the application handlers; it
   * counts in `stats().authRefused`. Runs under `handshakeTimeout`.
   */
  authenticate?(info: AuthInfo): boolean | Promise<boolean>
  /** Connection and message limits; all off by default. See {@link LimitsInit}. */
  limits?: LimitsInit
  /** Serve TLS instead of plain TCP (node:tls `createServer` options; `cert` and `key` required). Default: plain TCP. */
  tls?: ServerTlsOptions
  /** More sources of clients, started and closed with the server, e.g. `webSocketListener()` of `@veltix/websocket`. */
  listeners?: readonly Listener[]
  /** Scale-out: a cluster adapter (`redisCluster(...)` from `@veltix/redis`); `server.cluster` then reaches every node. */
  cluster?: ClusterAdapter
}

/** `new Client(init)`: the reference's `ClientConfig` fields in camelCase. */
export interface ClientConfigInit extends CommonConfigInit {
  /** The wire: `'auto'` (default: reads the server's first bytes), `'1.6'` or `'2'` to force one. */
  protocol?: ClientProtocol
  /** Server address (default `'127.0.0.1'`). */
  serverAddr?: string
  /** Server port (default 8080). */
  port?: number
  /** Reconnection attempts after a failed `connect()` or a lost connection (default 0 = none; -1 = forever, delay capped by `backoff.maxDelay`). */
  retry?: number
  /** Delay between attempts (default 1000). */
  retryDelay?: number
  /** Optional growth of the delay between attempts. */
  backoff?: { factor?: number; maxDelay?: number; jitter?: number }
  /** TCP connect deadline of one attempt (default 5000). */
  connectTimeout?: number
  /**
   * Pinned server identity key(s): raw 32 bytes, `SHA256:…` fingerprint or PEM. Any other key is refused
   * (`UntrustedKeyError`), and so is a server that offers no encryption (a pin implies encryption).
   */
  serverKey?: KeyPin | readonly KeyPin[]
  /** Trust on first use with your own store (see `FileTrustStore` / `MemoryTrustStore`). */
  trustStore?: TrustStore
  /**
   * Trust on first use: `true` remembers the server's key in memory for this client's life (reconnects must
   * present the same key); a string is a known-hosts file (`FileTrustStore`) kept across runs.
   */
  trustOnFirstUse?: boolean | string
  /** Accept any server key: protects against eavesdroppers only, not a man in the middle. Must be explicit. */
  allowUnverified?: boolean
  /** This client's identity for mutual authentication (key pair or PEM). */
  clientIdentity?: IdentityKeyPair | string
  /** Sent to a server that runs `authenticate` (encrypted when the connection is). */
  token?: string | Uint8Array
  /** Connect over TLS (node:tls options; the server's certificate is verified, `ca` for a private one). Default: plain TCP. */
  tls?: ClientTlsOptions
  /**
   * Messages sent with `send()` while a reconnect is pending are queued (bounded) and sent after the next
   * handshake when this is set; `send` then returns true for a queued message. Default `false`: `send`
   * returns false whenever there is no live connection.
   */
  offlineQueue?: OfflineQueueInit | false
  /** Resume a dropped connection with a server that offers it (turns `offlineQueue` on unless it is given). */
  resume?: ClientResumeInit | boolean
}

abstract class CommonConfig {
  readonly encryption: EncryptionPolicy
  readonly maxMessageSize: number
  readonly bufferSize: BufferSize
  readonly performanceMode: PerformanceMode
  readonly handshakeTimeout: number
  readonly maxWorkers: number | undefined
  readonly socketCore: SocketCore
  readonly requestTimeout: number
  readonly unknownMessageTypes: UnknownTypePolicy
  readonly concurrency: number
  readonly heartbeat: { interval: number; timeout?: number } | false
  readonly logger: LoggerLike

  constructor(init: CommonConfigInit, side: 'Server' | 'Client') {
    // Before anything is read: a key this side does not know (or one reserved for a later release) throws.
    if (side === 'Server') checkOptions(init, side, SERVER_OPTIONS, CLIENT_OPTIONS)
    else checkOptions(init, side, CLIENT_OPTIONS, SERVER_OPTIONS)
    const enc = init.encryption ?? DEFAULT_ENCRYPTION
    if (enc !== 'off' && enc !== 'optional' && enc !== 'required') {
      throw new ConfigError('encryption', `must be 'off', 'optional' or 'required', got ${String(enc)}`)
    }
    this.encryption = enc
    this.maxMessageSize = int(
      'maxMessageSize',
      init.maxMessageSize,
      DEFAULT_MAX_MESSAGE_SIZE,
      HEADER_SIZE,
      MAX_FRAME_SIZE_LIMIT,
    )
    this.bufferSize = oneOf('bufferSize', init.bufferSize, BufferSize.MEDIUM, BufferSize)
    this.performanceMode = oneOf(
      'performanceMode',
      init.performanceMode,
      PerformanceMode.BALANCED,
      PerformanceMode,
    )
    this.handshakeTimeout = num('handshakeTimeout', init.handshakeTimeout, DEFAULT_HANDSHAKE_TIMEOUT, 1)
    this.maxWorkers =
      init.maxWorkers === undefined ? undefined : int('maxWorkers', init.maxWorkers, 1, 1, 1024)
    this.socketCore = oneOf('socketCore', init.socketCore, SocketCore.LOOP, SocketCore)
    this.requestTimeout = num('requestTimeout', init.requestTimeout, DEFAULT_REQUEST_TIMEOUT, 1)
    const policy = init.unknownMessageTypes ?? 'deliver'
    if (policy !== 'deliver' && policy !== 'drop') {
      throw new ConfigError('unknownMessageTypes', `must be 'deliver' or 'drop', got ${String(policy)}`)
    }
    this.unknownMessageTypes = policy
    this.concurrency = int('concurrency', init.concurrency, 1, 1, 1_000_000)
    const hb = init.heartbeat ?? false
    if (hb !== false) {
      num('heartbeat.interval', hb.interval, 0, 1)
      if (hb.timeout !== undefined) num('heartbeat.timeout', hb.timeout, 0, 1)
    }
    this.heartbeat = hb
    this.logger = init.logger ?? defaultLogger()
  }
}

/**
 * A server's resolved configuration (every field set). `new ServerConfig({ port: 9000 })` validates and
 * fills the defaults; `new Server(config)` takes either this or the plain init object. Bad values throw
 * `ConfigError` naming the field.
 */
export class ServerConfig extends CommonConfig {
  readonly host: string
  readonly port: number
  readonly maxConnection: number
  readonly handshakeMode: 'strict' | 'lenient'
  /** The identity given (loaded), or undefined (the Server then generates one when encryption is on). */
  readonly identity: IdentityKeyPair | undefined
  readonly clientAuth: ClientAuthPolicy
  readonly trustedClients: readonly KeyPin[]
  readonly verifyClient: ((publicKey: Uint8Array, fingerprint: string) => boolean) | undefined
  readonly authenticate: ((info: AuthInfo) => boolean | Promise<boolean>) | undefined
  readonly limits: Required<LimitsInit>
  readonly tls: ServerTlsOptions | undefined
  readonly listeners: readonly Listener[]
  readonly cluster: ClusterAdapter | undefined
  readonly resume: Required<ServerResumeInit> | undefined
  readonly protocol: ServerProtocol

  constructor(init: ServerConfigInit = {}) {
    super(init, 'Server')
    this.resume = serverResume(init.resume)
    this.listeners = checkListeners(init.listeners)
    this.host = str('host', init.host, DEFAULT_HOST)
    this.port = int('port', init.port, DEFAULT_PORT, 0, 65535)
    const max = int('maxConnection', init.maxConnection, DEFAULT_MAX_CONNECTION, -1, 2 ** 31)
    if (max === 0) throw new ConfigError('maxConnection', 'must be -1 (unlimited) or a positive count, got 0')
    this.maxConnection = max
    const mode = init.handshakeMode ?? 'strict'
    if (mode !== 'strict' && mode !== 'lenient') {
      throw new ConfigError('handshakeMode', `must be 'strict' or 'lenient', got ${String(mode)}`)
    }
    this.handshakeMode = mode
    this.tls = tlsOf(init.tls)
    this.identity = identityOf('identity', init.identity)
    const ca = init.clientAuth ?? 'none'
    if (ca !== 'none' && ca !== 'optional' && ca !== 'required') {
      throw new ConfigError('clientAuth', `must be 'none', 'optional' or 'required', got ${String(ca)}`)
    }
    if (ca !== 'none' && (init.trustedClients ?? []).length === 0 && init.verifyClient === undefined) {
      throw new ConfigError('clientAuth', `'${ca}' needs trustedClients or verifyClient`)
    }
    this.clientAuth = ca
    this.trustedClients = init.trustedClients ?? []
    this.verifyClient = fn('verifyClient', init.verifyClient)
    this.authenticate = fn('authenticate', init.authenticate)
    const l = init.limits ?? {}
    const onLimit = l.onLimit ?? 'drop'
    if (onLimit !== 'drop' && onLimit !== 'close') {
      throw new ConfigError('limits.onLimit', `must be 'drop' or 'close', got ${String(onLimit)}`)
    }
    const lim = (k: keyof Omit<LimitsInit, 'onLimit'>): number =>
      int(`limits.${k}`, l[k], 0, 0, Number.MAX_SAFE_INTEGER)
    this.limits = {
      maxConnectionsPerAddress: lim('maxConnectionsPerAddress'),
      maxNewConnectionsPerSecond: lim('maxNewConnectionsPerSecond'),
      maxMessagesPerSecond: lim('maxMessagesPerSecond'),
      maxBytesPerSecond: lim('maxBytesPerSecond'),
      onLimit,
    }
    const cl = init.cluster
    if (cl !== undefined && (typeof cl?.attach !== 'function' || typeof cl.detach !== 'function')) {
      throw new ConfigError(
        'cluster',
        'must be a cluster adapter (e.g. redisCluster(...) from @veltix/redis)',
      )
    }
    this.cluster = cl
    this.protocol = protocolOf(init.protocol, ['1.6', '2'], '1.6', this.socketCore)
  }
}

/** A client's resolved configuration (every field set); see {@link ServerConfig}. */
export class ClientConfig extends CommonConfig {
  readonly serverAddr: string
  readonly port: number
  readonly retry: number
  readonly retryDelay: number
  readonly backoff: { factor?: number; maxDelay?: number; jitter?: number } | undefined
  readonly connectTimeout: number
  readonly serverKey: KeyPin | readonly KeyPin[] | undefined
  /** The TOFU store in use (`trustStore`, or the one `trustOnFirstUse` made), else undefined. */
  readonly trustStore: TrustStore | undefined
  readonly allowUnverified: boolean
  readonly clientIdentity: IdentityKeyPair | undefined
  readonly token: string | Uint8Array | undefined
  readonly tls: ClientTlsOptions | undefined
  /** See `ClientConfigInit.offlineQueue` (default `false`). */
  readonly offlineQueue: OfflineQueueInit | false
  readonly resume: Required<ClientResumeInit> | undefined
  readonly protocol: ClientProtocol

  constructor(init: ClientConfigInit = {}) {
    super(init, 'Client')
    this.resume = clientResume(init.resume)
    this.serverAddr = str('serverAddr', init.serverAddr, DEFAULT_SERVER_ADDR)
    this.port = int('port', init.port, DEFAULT_PORT, 0, 65535)
    this.retry = int('retry', init.retry, DEFAULT_RETRY, -1, Number.MAX_SAFE_INTEGER)
    this.retryDelay = num('retryDelay', init.retryDelay, DEFAULT_RETRY_DELAY, 0)
    this.backoff = init.backoff
    this.connectTimeout = num('connectTimeout', init.connectTimeout, DEFAULT_CONNECT_TIMEOUT, 1)
    this.serverKey = init.serverKey
    this.tls = tlsOf(init.tls)
    const tofu = init.trustOnFirstUse ?? false
    if (typeof tofu !== 'boolean' && (typeof tofu !== 'string' || tofu.length === 0)) {
      throw new ConfigError('trustOnFirstUse', 'must be a boolean or a known-hosts file path')
    }
    this.trustStore =
      init.trustStore ??
      (tofu === true
        ? new MemoryTrustStore()
        : typeof tofu === 'string'
          ? new FileTrustStore(tofu)
          : undefined)
    this.allowUnverified = init.allowUnverified === true
    this.clientIdentity = identityOf('clientIdentity', init.clientIdentity)
    const t = init.token
    if (t !== undefined && typeof t !== 'string' && !(t instanceof Uint8Array)) {
      throw new ConfigError('token', 'must be a string or a Uint8Array')
    }
    this.token = t
    const oq = init.offlineQueue ?? (this.resume === undefined ? false : {})
    if (oq !== false && (typeof oq !== 'object' || oq === null)) {
      throw new ConfigError('offlineQueue', 'must be false or { maxMessages?, maxBytes? }')
    }
    this.offlineQueue = oq
    this.protocol = protocolOf(init.protocol, ['auto', '1.6', '2'], 'auto', this.socketCore)
    if (this.encryption !== 'off') {
      if (this.serverKey === undefined && this.trustStore === undefined && !this.allowUnverified) {
        throw new ConfigError(
          'serverKey',
          'encryption needs a way to verify the server: serverKey (pin), trustOnFirstUse / trustStore, or allowUnverified: true',
        )
      }
      try {
        // Validates the pins and the combination once, here, rather than on every connection attempt.
        validateEncryption(this.handshakeInit(), 'client')
      } catch (error) {
        throw new ConfigError('serverKey', (error as Error).message)
      }
    }
  }

  /** The TOFU store's name for the server: `serverAddr:port`. */
  get trustHost(): string {
    return `${this.serverAddr}:${this.port}`
  }

  /** @internal The session's encryption settings. */
  handshakeInit() {
    return {
      policy: this.encryption as 'optional' | 'required',
      ...(this.serverKey === undefined ? {} : { serverKey: this.serverKey }),
      ...(this.trustStore === undefined ? {} : { trustStore: this.trustStore, host: this.trustHost }),
      ...(this.allowUnverified ? { allowUnverified: true } : {}),
      ...(this.clientIdentity === undefined ? {} : { identity: this.clientIdentity }),
    }
  }
}

function identityOf(field: string, value: unknown): IdentityKeyPair | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') {
    try {
      return loadIdentity(value)
    } catch (error) {
      throw new ConfigError(field, `not an Ed25519 private key: ${(error as Error).message}`)
    }
  }
  const v = value as IdentityKeyPair
  if (typeof v !== 'object' || v === null || v.privateKey?.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError(field, 'must be an Ed25519 key pair (generateIdentity / loadIdentity) or its PEM')
  }
  return v
}

function tlsOf<T>(value: T | undefined): T | undefined {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new ConfigError('tls', 'must be an object of node:tls options')
  }
  return value
}

function fn<F>(field: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new ConfigError(field, 'must be a function')
  return value
}

function str(field: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(field, `must be a non-empty string, got ${typeof value} (${String(value)})`)
  }
  return value
}

function num(field: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new ConfigError(field, `must be a finite number ≥ ${min} (milliseconds), got ${String(value)}`)
  }
  return value
}

function int(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, `must be an integer from ${min} to ${max}, got ${String(value)}`)
  }
  return value
}

function oneOf<E extends string | number>(
  field: string,
  value: unknown,
  fallback: E,
  values: Record<string, string | number>,
): E {
  if (value === undefined) return fallback
  if (!Object.values(values).includes(value as string | number) || typeof value !== typeof fallback) {
    throw new ConfigError(field, `must be one of the enum's values, got ${String(value)}`)
  }
  return value as E
}
