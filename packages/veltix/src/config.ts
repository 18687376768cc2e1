import { DEFAULT_MAX_MESSAGE_SIZE, HEADER_SIZE, MAX_FRAME_SIZE_LIMIT } from '@veltix/codec'
import type { LoggerLike } from '@veltix/logger'
import { BufferSize, PerformanceMode, SocketCore } from '@veltix/transport'
import {
  DEFAULT_CONNECT_TIMEOUT,
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

/**
 * What happens to a frame whose type code was never declared on this side (routed, or registered with
 * `registerMessageType`): `'deliver'` (default) hands it to `ON_RECV` with a type named `UNKNOWN_<code>`;
 * `'drop'` drops, counts and logs it, as the reference does.
 */
export type UnknownTypePolicy = 'deliver' | 'drop'

/** Options both ends share. Every field is optional; times are milliseconds. */
export interface CommonConfigInit {
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
}

/** `new Client(init)`: the reference's `ClientConfig` fields in camelCase. */
export interface ClientConfigInit extends CommonConfigInit {
  /** Server address (default `'127.0.0.1'`). */
  serverAddr?: string
  /** Server port (default 8080). */
  port?: number
  /** Reconnection attempts after a failed `connect()` or a lost connection (default 0 = none). */
  retry?: number
  /** Delay between attempts (default 1000). */
  retryDelay?: number
  /** Optional growth of the delay between attempts. */
  backoff?: { factor?: number; maxDelay?: number; jitter?: number }
  /** TCP connect deadline of one attempt (default 5000). */
  connectTimeout?: number
}

abstract class CommonConfig {
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

  constructor(init: CommonConfigInit) {
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

  constructor(init: ServerConfigInit = {}) {
    super(init)
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

  constructor(init: ClientConfigInit = {}) {
    super(init)
    this.serverAddr = str('serverAddr', init.serverAddr, DEFAULT_SERVER_ADDR)
    this.port = int('port', init.port, DEFAULT_PORT, 0, 65535)
    this.retry = int('retry', init.retry, DEFAULT_RETRY, 0, Number.MAX_SAFE_INTEGER)
    this.retryDelay = num('retryDelay', init.retryDelay, DEFAULT_RETRY_DELAY, 0)
    this.backoff = init.backoff
    this.connectTimeout = num('connectTimeout', init.connectTimeout, DEFAULT_CONNECT_TIMEOUT, 1)
  }
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
