import * as http from 'node:http'
import type * as https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { DEFAULT_MAX_MESSAGE_SIZE, type MessageTypeRegistry } from '@veltix/codec'
import { type LoggerLike, noopLogger } from '@veltix/logger'
import { type Connection, ListenError, TransportStateError } from '@veltix/transport'
import { type WebSocket, WebSocketServer } from 'ws'
import { CloseCode, UPGRADE_REQUIRED } from './constants.js'
import { OriginNotAllowedError } from './errors.js'
import {
  connectionOptions,
  type QueueInit,
  WebSocketConnection,
  type WebSocketConnectionOptions,
} from './websocket-connection.js'

/** Options of `webSocketListener`. All optional; limits default to the server's, queue settings to TCP's. */
export interface WebSocketListenerInit extends QueueInit {
  /** TCP port of the HTTP server this listener opens (0: any free port, kept across restarts). Ignored with `server`. */
  port?: number
  /** Address to bind; default: the Veltix server's `host`. Ignored with `server`. */
  host?: string
  /** Only upgrade requests for this URL path (query ignored), e.g. `'/veltix'`; default: any path. */
  path?: string
  /**
   * Share an HTTP(S) server of yours (e.g. the one serving the page) instead of opening a port: the listener
   * adds an `upgrade` handler to it and removes it on close; the server itself is never closed. Over `https`
   * the connections report `encrypted: true` (`wss://`).
   */
  server?: http.Server | https.Server
  /**
   * Largest WebSocket message accepted, in bytes, enforced by `ws` from the frame header before anything is
   * buffered (close 1009). Default: the Veltix server's `maxMessageSize` (one whole frame; 10 MiB).
   */
  maxPayload?: number
  /**
   * When set, an upgrade whose `Origin` header is not one of these (exact match, e.g.
   * `'https://chat.example.com'`) is closed with 1008 and never reaches the server. Requests without an
   * `Origin` (not from a browser: such a client could send any value anyway) are let through.
   */
  allowedOrigins?: readonly string[]
}

/**
 * What a listener is given by the server that runs it (the `ListenerContext` of `veltix`; declared here too
 * so that this package depends on no part of the server).
 */
export interface ListenerContext {
  /** Hands over an accepted connection: the server runs its session on it (call synchronously). */
  accept(conn: Connection): void
  /** The server's bind address, used when the listener has none. */
  readonly host: string
  /** The server's limit on a frame's total length, in both directions. */
  readonly maxMessageSize: number
  /** When given, frames of other types are reported and dropped (as on TCP). */
  readonly registry?: MessageTypeRegistry | undefined
  readonly logger?: LoggerLike | undefined
}

/** Why the listener turned an upgrade away before it became a connection. */
export interface RefusedUpgradeInfo {
  reason: 'origin'
  remoteAddress: string
  remotePort: number
  error: OriginNotAllowedError
}

/** Counters of a WebSocket listener. */
export interface WebSocketListenerStats {
  /** WebSockets handed to the server. */
  accepted: number
  /** Upgrades closed with 1008 for their `Origin`. */
  refusedOrigin: number
  /** Requests for another path (answered 404 on a server of the listener's own). */
  refusedPath: number
}

type State = 'idle' | 'starting' | 'listening' | 'closing'

/** A WebSocket listener for `new Server({ listeners: [...] })`. One object can be started and closed again. */
export class WebSocketListener {
  readonly kind = 'websocket'
  readonly #init: WebSocketListenerInit
  readonly #conns = new Set<WebSocketConnection>()
  /** Upgrades in progress and origin refusals being closed (not connections). */
  readonly #pending = new Set<Socket>()
  readonly #stats: WebSocketListenerStats = { accepted: 0, refusedOrigin: 0, refusedPath: 0 }
  readonly #allowed: ReadonlySet<string> | undefined
  #state: State = 'idle'
  #ctx: ListenerContext | undefined
  #opts: WebSocketConnectionOptions | undefined
  #wss: WebSocketServer | undefined
  #http: http.Server | https.Server | undefined
  #ownsHttp = false
  #address: { host: string; port: number; family: string } | undefined
  #boundPort: number | undefined
  #nextId = 1
  #onRefused: ((info: RefusedUpgradeInfo) => void) | undefined

  constructor(init: WebSocketListenerInit = {}) {
    const { port, path, maxPayload } = init
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
      throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`)
    if (path !== undefined && !path.startsWith('/'))
      throw new RangeError(`path must start with '/', got ${path}`)
    if (maxPayload !== undefined && !(Number.isInteger(maxPayload) && maxPayload > 0))
      throw new RangeError(`maxPayload must be a positive integer, got ${maxPayload}`)
    this.#init = init
    this.#allowed = init.allowedOrigins === undefined ? undefined : new Set(init.allowedOrigins)
  }

  /** The bound address while listening, else null. */
  get address(): { host: string; port: number; family: string } | null {
    return this.#state === 'listening' && this.#address !== undefined ? { ...this.#address } : null
  }

  /** The bound port once started (the real one for port 0), else the configured one. */
  get port(): number {
    return this.#address?.port ?? this.#boundPort ?? this.#init.port ?? 0
  }

  get listening(): boolean {
    return this.#state === 'listening'
  }

  get connections(): ReadonlySet<Connection> {
    return this.#conns
  }

  get connectionCount(): number {
    return this.#conns.size
  }

  get stats(): Readonly<WebSocketListenerStats> {
    return this.#stats
  }

  /** Called for each upgrade turned away (wrong `Origin`), as it is closed. */
  onRefused(handler: (info: RefusedUpgradeInfo) => void): void {
    this.#onRefused = handler
  }

  /** Starts accepting WebSockets for `ctx`; resolves with the bound address. */
  async listen(ctx: ListenerContext): Promise<{ host: string; port: number; family: string }> {
    if (this.#state !== 'idle')
      throw new TransportStateError(`listen() on a WebSocket listener that is ${this.#state}`)
    this.#state = 'starting'
    const init = this.#init
    const maxMessageSize = ctx.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE
    const maxPayload = init.maxPayload ?? maxMessageSize
    this.#ctx = ctx
    this.#opts = connectionOptions(init, {
      maxMessageSize,
      maxPayload,
      registry: ctx.registry,
      logger: ctx.logger ?? noopLogger,
    })
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload,
      perMessageDeflate: false, // frames are written raw (see WebSocketConnection): no RSV1, no compression
      clientTracking: false,
    })
    try {
      const server = init.server ?? this.#createHttpServer()
      this.#http = server
      this.#ownsHttp = init.server === undefined
      server.on('upgrade', this.#onUpgrade)
      if (this.#ownsHttp) {
        const port = init.port === 0 && this.#boundPort !== undefined ? this.#boundPort : (init.port ?? 0)
        await listenOn(server, init.host ?? ctx.host, port)
      } else if (!server.listening) await new Promise<void>((r) => server.once('listening', () => r()))
      const a = server.address() as AddressInfo
      this.#address = { host: a.address, port: a.port, family: a.family }
      this.#boundPort = a.port
      if (this.#state !== 'starting')
        throw new TransportStateError('the WebSocket listener was closed while starting')
      this.#state = 'listening'
      this.#opts.logger.info(`WebSocket listener on ${a.address}:${a.port}${init.path ?? ''}`)
      return { ...this.#address }
    } catch (error) {
      await this.#release()
      throw error
    }
  }

  /** Stops accepting and closes every connection (close 1001, reason `'server-closed'`); resolves when all are gone. */
  async close(): Promise<void> {
    if (this.#state === 'idle') return
    this.#state = 'closing'
    await this.#release()
  }

  async #release(): Promise<void> {
    const server = this.#http
    server?.off('upgrade', this.#onUpgrade)
    for (const s of this.#pending) s.destroy()
    this.#pending.clear()
    await Promise.all([...this.#conns].map((c) => c.serverClose()))
    if (server !== undefined && this.#ownsHttp) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    }
    this.#wss?.close()
    this.#wss = undefined
    this.#http = undefined
    this.#ctx = undefined
    this.#address = undefined
    this.#state = 'idle'
  }

  #createHttpServer(): http.Server {
    // Headers must arrive promptly: a socket that never finishes its upgrade request does not linger.
    const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 10_000 }, (_req, res) => {
      res.writeHead(UPGRADE_REQUIRED, { 'content-type': 'text/plain', connection: 'close' })
      res.end('this port speaks Veltix over WebSocket: open it with a WebSocket client\n')
    })
    return server
  }

  #onUpgrade = (req: http.IncomingMessage, socket: Socket, head: Buffer): void => {
    const wss = this.#wss
    if (this.#state !== 'listening' || wss === undefined) {
      socket.destroy()
      return
    }
    const path = this.#init.path
    if (path !== undefined && pathOf(req.url) !== path) {
      // On a shared server another upgrade handler may want it; on our own nobody else does.
      if (this.#ownsHttp || this.#http!.listenerCount('upgrade') <= 1) {
        this.#stats.refusedPath++
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      }
      return
    }
    this.#pending.add(socket)
    socket.once('close', () => this.#pending.delete(socket))
    // ws checks the handshake itself (method, Sec-WebSocket-Key/Version) and answers 400 when it is wrong.
    wss.handleUpgrade(req, socket, head, (ws) => this.#onWebSocket(ws, req, socket))
  }

  #onWebSocket(ws: WebSocket, req: http.IncomingMessage, socket: Socket): void {
    const origin = req.headers.origin
    if (this.#allowed !== undefined && origin !== undefined && !this.#allowed.has(origin)) {
      this.#refuseOrigin(ws, socket, origin)
      return
    }
    this.#pending.delete(socket)
    const ctx = this.#ctx
    if (this.#state !== 'listening' || ctx === undefined) {
      ws.terminate()
      return
    }
    const conn = new WebSocketConnection(this.#nextId++, ws, socket, req, this.#opts!)
    conn.onFinished = this.#onFinished
    this.#conns.add(conn)
    this.#stats.accepted++
    try {
      ctx.accept(conn)
    } catch (err) {
      this.#opts!.logger.error('websocket: accept threw', { connection: conn.id, error: err })
      conn.destroy(err instanceof Error ? err : undefined)
    }
  }

  #refuseOrigin(ws: WebSocket, socket: Socket, origin: string): void {
    const error = new OriginNotAllowedError(origin)
    const remoteAddress = socket.remoteAddress ?? ''
    const remotePort = socket.remotePort ?? 0
    this.#stats.refusedOrigin++
    this.#opts!.logger.warning(`websocket: refusing ${remoteAddress}:${remotePort}: ${error.message}`)
    // Stays in #pending until its socket closes (close() destroys it); bounded by closeTimeout.
    ws.on('error', () => {})
    ws.close(CloseCode.POLICY_VIOLATION, error.code)
    const timer = setTimeout(() => ws.terminate(), this.#opts!.closeTimeout)
    timer.unref()
    ws.once('close', () => clearTimeout(timer))
    try {
      this.#onRefused?.({ reason: 'origin', remoteAddress, remotePort, error })
    } catch (err) {
      this.#opts!.logger.error('websocket: onRefused handler threw', { error: err })
    }
  }

  #onFinished = (conn: WebSocketConnection): void => {
    this.#conns.delete(conn)
  }
}

/**
 * A listener that takes Veltix clients over WebSocket (browsers: `veltix/browser`) for
 * `new Server({ listeners: [webSocketListener({ port: 8081, path: '/veltix' })] })`. Each accepted WebSocket
 * becomes a `Connection` the server runs its usual session on: handshake, encryption, routes, tags,
 * broadcast, limits and stats are the same as for TCP clients.
 */
export function webSocketListener(init: WebSocketListenerInit = {}): WebSocketListener {
  return new WebSocketListener(init)
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/'
  const q = url.indexOf('?')
  return q < 0 ? url : url.slice(0, q)
}

function listenOn(server: http.Server | https.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void =>
      reject(new ListenError(host, port, err.code ?? 'ERROR', { cause: err }))
    server.once('error', onError)
    server.listen({ host, port }, () => {
      server.off('error', onError)
      resolve()
    })
  })
}
