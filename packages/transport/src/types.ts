import type { Socket } from 'node:net'
import type { PeerCertificate, SecureContextOptions, TlsOptions } from 'node:tls'
import type { FrameProfile, MessageTypeRegistry } from '@veltix/codec'
import type { LoggerLike } from '@veltix/logger'
import type { Connection } from './connection.js'

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

/** Options shared by both ends and both cores. */
export interface TransportInit {
  core?: SocketCore
  /** Frame format of the stream (default the 1.6.3 one); `FRAME_PROFILE_2` needs the loop core. */
  frameProfile?: FrameProfile
  /**
   * Runs on the raw socket before it becomes a `Connection` (the 2.x JSON handshake); bytes it reads past
   * its own it must `socket.unshift`. A rejection closes the socket (client: `connect()` rejects with it).
   * Client: it may resolve the frame profile the server turned out to speak (`protocol: 'auto'`).
   */
  preface?: (socket: Socket) => Promise<FrameProfile | undefined>
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
  /**
   * The bytes that tell a peer refused over `maxConnection` why, before any preface runs (default: one 1.6.3
   * ERROR frame; a 2.x server sends `{"error": "server_full"}`). A socket refused after its preface gets the
   * ERROR frame in the `frameProfile`'s format.
   */
  refusal?: (reason: string) => Uint8Array
  /** Serve TLS instead of plain TCP (node:tls). */
  tls?: ServerTlsOptions
  /**
   * Length of the kernel's queue of connections not yet accepted (`server.listen({ backlog })`); default
   * `DEFAULT_BACKLOG` (4096). Linux silently caps it at `net.core.somaxconn`.
   */
  backlog?: number
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
