import type { PeerCertificate, SecureContextOptions, TlsOptions } from 'node:tls'
import type { CodecError, Frame, MessageTypeRegistry } from '@veltix/codec'
import type { LoggerLike } from '@veltix/logger'

/** Which socket core runs the connections. */
export enum SocketCore {
  /** Every socket on the main event loop (default). */
  LOOP = 'loop',
  /** Sockets, framing and CRC work spread over a pool of worker threads. */
  WORKER = 'worker',
}

/** The reference's buffer sizes, in bytes. Meaning in Node: see the package README. */
export enum BufferSize {
  SMALL = 1024,
  MEDIUM = 8192,
  LARGE = 65536,
  HUGE = 1048576,
}

/** The reference's performance modes. Meaning in Node: see the package README. */
export enum PerformanceMode {
  LOW = 'low',
  BALANCED = 'balanced',
  HIGH = 'high',
}

/** Outcome of `Connection.send`. `ok` and `backpressure` mean the frame was accepted and will be written whole. */
export type SendResult =
  /** Queued; the outbound queue is under its high-water mark. */
  | 'ok'
  /** Queued, but the outbound queue is now over its high-water mark: wait for the `drain` callback. */
  | 'backpressure'
  /** Not accepted: the connection is closing or closed. */
  | 'closed'
  /** Not accepted: it would take the queue over the hard cap (`overflowPolicy: 'error'`), or the connection was closed for it (`'close'`). */
  | 'overflow'

/** Why a connection closed. Reported once per connection. */
export type CloseReason =
  /** `close()` / `destroy()` on this side. */
  | 'local'
  /** The peer ended the stream (FIN). */
  | 'remote-end'
  /** The peer reset the connection (ECONNRESET / EPIPE). */
  | 'reset'
  /** A socket error other than a reset; see `error`. */
  | 'error'
  /** A fatal decoding error (e.g. `FrameTooLargeError`); see `error`. */
  | 'protocol-error'
  /** The outbound queue hit its hard cap with `overflowPolicy: 'close'`. */
  | 'overflow'
  /** Refused because the server was at `maxConnection`. */
  | 'max-connections'
  /** The server transport is closing. */
  | 'server-closed'

export interface CloseInfo {
  reason: CloseReason
  error?: Error
}

/** What a connection calls. Set with `Connection.setHandler`; until then the connection does not read. */
export interface ConnectionHandler {
  /** A complete, CRC-checked frame, in order. The payload may be a view; copy it to keep it. */
  frame(frame: Frame): void
  /** A non-fatal decoding error (the frame was dropped), or the fatal one just before the close. */
  decodeError?(error: CodecError): void
  /** The outbound queue went back under its high-water mark. */
  drain?(): void
  /** The connection closed; called exactly once. */
  close(info: CloseInfo): void
}

export interface ConnectionStats {
  framesIn: number
  framesOut: number
  bytesIn: number
  bytesOut: number
  checksumErrors: number
  unknownTypes: number
  overflowRejected: number
}

/** One TCP connection, moving whole frames. Same behaviour on both cores. */
export interface Connection {
  /** Unique within its transport. */
  readonly id: number
  readonly remoteAddress: string
  readonly remotePort: number
  readonly remoteFamily: 'IPv4' | 'IPv6' | string
  /** This side's address and port ('memory' and 0 for a connection pair). */
  readonly localAddress: string
  readonly localPort: number
  /** True once closing has begun (no more sends accepted). */
  readonly closed: boolean
  /** Bytes queued for sending and not yet handed to the OS. */
  readonly bufferedAmount: number
  readonly stats: Readonly<ConnectionStats>
  setHandler(handler: ConnectionHandler): void
  /** Queues one frame; never blocks, never writes part of a frame. */
  send(code: number, requestId: number, payload: Uint8Array, timestamp?: number): SendResult
  /** Queues bytes that are already one or more whole encoded frames (used by broadcast: encode once). */
  sendEncoded(frames: Uint8Array): SendResult
  /** Graceful close: flushes what was queued, then ends. Resolves once closed. */
  close(): Promise<void>
  /** Abrupt close: drops the queue and destroys the socket. */
  destroy(error?: Error): void
  // Added members are optional in this interface so that hand-written fakes keep compiling; every
  // connection of this package sets them.
  /** True over TLS (`tls` option). Always set by this package's connections (false for TCP and pairs). */
  readonly encrypted?: boolean
  /**
   * TLS only: the peer's certificate was verified against the trusted CAs (a client always verifies the
   * server unless told not to; a server verifies clients only with `requestCert`). False otherwise.
   */
  readonly authorized?: boolean
  /** TLS only: why the peer's certificate was not verified (when `authorized` is false), else undefined. */
  readonly authorizationError?: Error
  /** TLS only, while open: the peer's certificate (undefined for TCP, pairs, or when the peer sent none). */
  getPeerCertificate?(detailed?: boolean): PeerCertificate | undefined
}

/** Options shared by both ends and both cores. */
export interface TransportInit {
  core?: SocketCore
  /** Limit on a frame's total length in both directions (default 10 MiB). */
  maxMessageSize?: number
  /** When given, inbound frames with codes not in it are reported and dropped. */
  registry?: MessageTypeRegistry
  bufferSize?: BufferSize
  performanceMode?: PerformanceMode
  /** Outbound queue size in bytes above which `send` reports `backpressure`. */
  highWaterMark?: number
  /** Hard cap in bytes on a connection's outbound queue. */
  maxQueuedBytes?: number
  /** What happens when a send would exceed `maxQueuedBytes`: reject it (`'error'`) or close the connection (`'close'`). */
  overflowPolicy?: 'error' | 'close'
  /** Worker-core pool size (default: number of cores). */
  maxWorkers?: number
  logger?: LoggerLike
}

/**
 * TLS on a server transport: the options of `tls.createServer` (node:tls). `cert` and `key` are required;
 * `ca` + `requestCert: true` (+ `rejectUnauthorized`, default true) verify client certificates.
 */
export interface ServerTlsOptions extends TlsOptions {
  cert: NonNullable<SecureContextOptions['cert']>
  key: NonNullable<SecureContextOptions['key']>
}

/**
 * TLS on a client connection: what `tls.connect` (node:tls) takes besides the address. The server's
 * certificate is verified (against `ca`, or Node's bundled roots without it) and must name `servername`
 * (default: `host` when it is a host name; the IP address otherwise).
 */
export interface ClientTlsOptions extends SecureContextOptions {
  /** Name to verify the server certificate against (and sent as SNI). */
  servername?: string
  /** Default true. False accepts any certificate: encryption without authentication (tests/dev only). */
  rejectUnauthorized?: boolean
  /** Custom identity check (node:tls `checkServerIdentity`). */
  checkServerIdentity?: (hostname: string, cert: PeerCertificate) => Error | undefined
  ALPNProtocols?: string[]
}

/** What the server transport reports about a connection it refused (`onRefused`). */
export interface RefusedConnectionInfo {
  /** Why: `'max-connections'` (the server was at `maxConnection`). */
  reason: 'max-connections'
  remoteAddress: string
  remotePort: number
  /** The typed error (`MaxConnectionsError`), also what the peer was told. */
  error: Error
}

/** Counters of a server transport. */
export interface ServerTransportStats {
  /** Connections accepted and handed to `onConnection`. */
  accepted: number
  /** Connections refused (sum over reasons). */
  refused: number
  /** Connections refused because the server was at `maxConnection`. */
  refusedMaxConnections: number
  /** TLS handshakes that failed (bad/missing client certificate, protocol mismatch, plain TCP to a TLS port…). */
  tlsHandshakeFailures: number
}

export interface ServerTransportInit extends TransportInit {
  host?: string
  port?: number
  /** ≤ 0: unlimited. A connection beyond it is accepted, told why, and closed (see `onRefused`). */
  maxConnection?: number
  /** Serve TLS instead of plain TCP (node:tls). */
  tls?: ServerTlsOptions
}

export interface ClientTransportInit extends TransportInit {
  host: string
  port: number
  /** Connect timeout in ms (covers the TLS handshake too). */
  connectTimeout?: number
  signal?: AbortSignal
  /** Connect over TLS (node:tls); the server's certificate is verified. */
  tls?: ClientTlsOptions
}

export interface ServerTransport {
  /**
   * Resolves once the socket is accepting, with the bound address (the real port when `port: 0`).
   * `signal`: aborting before it resolves rejects with `AbortError` and releases everything (the transport
   * is then closed).
   */
  listen(options?: { signal?: AbortSignal }): Promise<{ host: string; port: number; family: string }>
  readonly listening: boolean
  /** Called for each accepted connection; call `conn.setHandler` inside it. */
  onConnection(handler: (conn: Connection) => void): void
  /** Called for each connection refused (over `maxConnection`), as it is told why; it never reaches `onConnection`. */
  onRefused(handler: (info: RefusedConnectionInfo) => void): void
  /** Live counters (accepted, refused, failed TLS handshakes). */
  readonly stats: Readonly<ServerTransportStats>
  /** True when serving TLS (`tls` option). */
  readonly encrypted: boolean
  readonly connections: ReadonlySet<Connection> | Iterable<Connection>
  readonly connectionCount: number
  /** Encodes once, queues on each connection (minus `except`), never waits for the slowest. Returns how many accepted it. */
  broadcast(
    code: number,
    requestId: number,
    payload: Uint8Array,
    to: Iterable<Connection>,
    except?: Iterable<Connection>,
  ): number
  /** Stops accepting, closes every connection; resolves when all are closed and nothing is left running. */
  close(): Promise<void>
}
