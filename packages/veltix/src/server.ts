import {
  ERROR,
  encodeFrame,
  HEADER_SIZE,
  type MessageType,
  MessageTypeRegistry,
  type Request,
  type Response,
} from '@veltix/codec'
import { type LoggerLike, LogLevel } from '@veltix/logger'
import { DispatchQueue, Router } from '@veltix/router'
import {
  fingerprint,
  generateIdentity,
  type IdentityKeyPair,
  Session,
  type SessionCloseInfo,
  type SessionEncryptionInit,
  type SessionInit,
} from '@veltix/session'
import { type Connection, createServerTransport, type ServerTransport } from '@veltix/transport'
import { invoke, report } from './callbacks.js'
import { ClientInfo } from './client-info.js'
import { type AuthInfo, ServerConfig, type ServerConfigInit } from './config.js'
import { RateLimitError, ServerStateError, UnknownClientError } from './errors.js'
import { Events } from './events.js'
import { type Handler, RequestHandler, type TypedHandler } from './request-handler.js'
import { Sender, type SendTarget } from './sender.js'
import { addStats, type ConnectionStats, emptyStats, type ServerStats } from './stats.js'
import { type TypedMessageType, TypedRequest, type TypedResponse } from './typed-message.js'

/** Why a server-side connection ended, passed to `ON_DISCONNECT` after the client. */
export interface ServerDisconnectInfo {
  reason: SessionCloseInfo['reason']
  error?: Error
}

/** Options of `sendAndWait` and ping. */
export interface WaitOptions {
  /** ms; default `requestTimeout` of the config (5000). Resolves null when it passes. */
  timeout?: number
  signal?: AbortSignal
}

type ServerState = 'idle' | 'starting' | 'listening' | 'closing'

type ServerSessionCallbacks = Required<Pick<SessionInit, 'onReady' | 'onMessage' | 'onClose'>> &
  Pick<SessionInit, 'authenticate'>

/** Per-address bookkeeping of the connection limits. */
interface AddressEntry {
  open: number
  windowStart: number
  newInWindow: number
}

/** Per-connection rate window (created only when message / byte limits are configured). */
interface RateWindow {
  start: number
  messages: number
  bytes: number
}

/**
 * One accepted connection (internal). It is the connection's `DispatchQueue` too (one object, not two), and
 * the session's `data`, so one set of session callbacks per server serves every connection (no closures per
 * connection). Memory per idle connection matters: fields are few and declared in one order.
 */
class Peer extends DispatchQueue {
  session: Session | undefined
  readonly info: ClientInfo
  /** Set once `ON_DISCONNECT` has fired (or once it is known it never will). */
  ended: boolean
  /** Messages and bytes sent by broadcast (the session does not see them). */
  broadcastOut: number
  broadcastBytes: number
  /** Per-connection rate window (limits only). */
  window: RateWindow | undefined

  constructor(conn: Connection) {
    super()
    this.session = undefined
    this.info = new ClientInfo(conn, this)
    this.ended = false
    this.broadcastOut = 0
    this.broadcastBytes = 0
    this.window = undefined
  }

  get handshakeDone(): boolean {
    return this.session?.handshakeDone ?? false
  }

  get encrypted(): boolean {
    return this.session?.encrypted ?? false
  }

  get peerKey(): string | undefined {
    const k = this.session?.peerIdentity
    return k === undefined ? undefined : fingerprint(k)
  }

  stats(): ConnectionStats {
    const s = this.session?.stats
    return {
      messagesIn: s?.messagesIn ?? 0,
      messagesOut: (s?.messagesOut ?? 0) + this.broadcastOut,
      bytesIn: s?.bytesIn ?? 0,
      bytesOut: (s?.bytesOut ?? 0) + this.broadcastBytes,
      droppedFrames: { ...(s?.droppedFrames ?? {}) },
      pendingRequests: this.session?.pendingCount ?? 0,
      lastRtt: s?.lastRtt ?? null,
    }
  }
}

/**
 * A Veltix server (the reference's `Server`). Accepts TCP connections, runs the HELLO / HELLO_ACK
 * handshake on each, then hands messages to routes or `ON_RECV`.
 *
 * - `ON_CONNECT (client)` fires after a connection completes the handshake; `ON_DISCONNECT (client, info)`
 *   fires exactly once for each such connection when it ends. A connection that never completes the
 *   handshake (closed by the peer, timed out after `handshakeTimeout`, wrong version) fires neither: it
 *   only counts in `stats().handshakeFailures` and is logged.
 * - A callback or handler that throws (or rejects) is logged; nothing else is affected.
 */
export class Server {
  readonly config: ServerConfig
  /** Message types this server knows (system types + every routed or registered one). */
  readonly registry: MessageTypeRegistry
  /** Routes (the reference's `request_handler`). */
  readonly requestHandler: RequestHandler<ClientInfo>
  readonly #router: Router<ClientInfo>
  readonly #logger: LoggerLike
  readonly #sender: Sender
  #transport: ServerTransport | undefined
  #state: ServerState = 'idle'
  #starting: Promise<void> | undefined
  #closing: Promise<void> | undefined
  #boundPort: number | undefined
  #address: { host: string; port: number; family: string } | undefined
  /** Live connections, accepted order. */
  readonly #peers = new Map<Connection, Peer>()
  /** Every connection ever seen, for lookups after close (`sendAndWait` on a gone client rejects cleanly). */
  readonly #known = new WeakMap<Connection, Peer>()
  readonly #closedStats = emptyStats()
  #acceptedTotal = 0
  #handshakeFailures = 0
  #onConnect: ((client: ClientInfo) => unknown) | undefined
  #onDisconnect: ((client: ClientInfo, info: ServerDisconnectInfo) => unknown) | undefined
  readonly #identity: IdentityKeyPair | undefined
  readonly #encryption: SessionEncryptionInit | undefined
  readonly #addresses = new Map<string, AddressEntry>()
  readonly #perAddress: boolean
  readonly #rateLimited: boolean
  #authRefused = 0
  readonly #limitStats = { refusedConnections: 0, droppedMessages: 0, closedConnections: 0 }
  #callbacks: ServerSessionCallbacks | undefined

  constructor(config: ServerConfigInit | ServerConfig = {}) {
    this.config = config instanceof ServerConfig ? config : new ServerConfig(config)
    this.#logger = this.config.logger
    const c = this.config
    if (c.encryption !== 'off') {
      let id = c.identity
      if (id === undefined) {
        id = generateIdentity()
        this.#logger.warning(
          `encryption is on but no identity was given: using an ephemeral key ${fingerprint(id.publicKey)} (clients cannot pin it across restarts; pass \`identity\`)`,
        )
      }
      this.#identity = id
      this.#encryption = {
        policy: c.encryption,
        identity: id,
        clientAuth: c.clientAuth,
        trustedClients: c.trustedClients,
        ...(c.verifyClient === undefined ? {} : { verifyClient: c.verifyClient }),
      }
    }
    const l = c.limits
    this.#perAddress = l.maxConnectionsPerAddress > 0 || l.maxNewConnectionsPerSecond > 0
    this.#rateLimited = l.maxMessagesPerSecond > 0 || l.maxBytesPerSecond > 0
    this.registry = new MessageTypeRegistry()
    this.#router = new Router<ClientInfo>({
      concurrency: this.config.concurrency,
      logger: this.#logger,
      describe: (client) => client.toString(),
    })
    this.requestHandler = new RequestHandler(this.#router, this.registry)
    this.#sender = new Sender({
      send: (request, conn) => this.#send(request, conn),
      broadcast: (request, to) => this.#broadcast(request, to),
      defaultTargets: () => this.getAllClientsSockets(),
    })
  }

  /** The server's identity key pair when encryption is on (given, or generated at construction), else undefined. */
  get identity(): IdentityKeyPair | undefined {
    return this.#identity
  }

  /** Fingerprint (`SHA256:…`) of the server's identity public key, what clients pin; undefined when encryption is off. */
  get fingerprint(): string | undefined {
    return this.#identity === undefined ? undefined : fingerprint(this.#identity.publicKey)
  }

  /** The bound port once started (the real one when configured with 0), else the configured one. */
  get port(): number {
    return this.#address?.port ?? this.#boundPort ?? this.config.port
  }

  /** The bound address while listening, else null. */
  get address(): { host: string; port: number; family: string } | null {
    return this.#state === 'listening' && this.#address !== undefined ? { ...this.#address } : null
  }

  get listening(): boolean {
    return this.#state === 'listening'
  }

  /**
   * Starts listening; resolves once the socket accepts connections (rejects with the socket error, e.g.
   * EADDRINUSE). A server closed with `closeAll()` can be started again; one configured with port 0 then
   * binds the port it had before, so its clients can reconnect. Throws `ServerStateError` when already
   * started.
   */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new ServerStateError(`start() on a server that is ${this.#state}`)
    this.#state = 'starting'
    const transport = createServerTransport({
      core: this.config.socketCore,
      host: this.config.host,
      port: this.config.port === 0 && this.#boundPort !== undefined ? this.#boundPort : this.config.port,
      maxConnection: this.config.maxConnection,
      maxMessageSize: this.config.maxMessageSize,
      bufferSize: this.config.bufferSize,
      performanceMode: this.config.performanceMode,
      ...(this.config.maxWorkers === undefined ? {} : { maxWorkers: this.config.maxWorkers }),
      ...(this.config.unknownMessageTypes === 'drop' ? { registry: this.registry } : {}),
      ...(this.config.tls === undefined ? {} : { tls: this.config.tls }),
      logger: this.#logger,
    })
    this.#transport = transport
    transport.onConnection((conn) => this.#accept(conn))
    this.#starting = (async () => {
      try {
        this.#address = await transport.listen()
        this.#boundPort = this.#address.port
        this.#state = 'listening'
        this.#logger.info(`Server listening on ${this.#address.host}:${this.#address.port}`)
      } catch (error) {
        this.#transport = undefined
        this.#state = 'idle'
        await transport.close().catch(() => {})
        throw error
      }
    })()
    try {
      await this.#starting
    } finally {
      this.#starting = undefined
    }
  }

  /**
   * Stops accepting, closes every connection (`ON_DISCONNECT` fires for each client, pending `sendAndWait`
   * calls reject with `ConnectionClosedError`) and resolves when nothing is left running: sockets, workers
   * and timers. Messages waiting behind a busy async handler are dropped; a handler already running is not
   * interrupted. Safe to call at any time, more than once.
   */
  async closeAll(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing
    if (this.#starting !== undefined) await this.#starting.catch(() => {})
    const transport = this.#transport
    if (transport === undefined) return
    this.#state = 'closing'
    this.#closing = (async () => {
      const queues: DispatchQueue[] = [...this.#peers.values()]
      // Encrypted clients are told the end is deliberate (close-notify), not a truncation.
      for (const p of this.#peers.values()) p.session?.sendCloseNotify()
      try {
        await transport.close()
      } finally {
        // Every connection is closed by now; a session whose close report is still on its way is destroyed.
        for (const peer of [...this.#peers.values()]) peer.session?.destroy()
        // Messages still waiting behind a busy handler are dropped: the server is shutting down.
        for (const q of queues) q.close()
        this.#transport = undefined
        this.#address = undefined
        this.#state = 'idle'
        this.#closing = undefined
        this.#logger.info('Server closed')
      }
    })()
    return this.#closing
  }

  /** The sender: `send(request, client.conn)` and `broadcast(request, conns, except?)`. */
  getSender(): Sender {
    return this.#sender
  }

  /** Clients that completed the handshake and have not disconnected, in connection order. */
  getAllClients(): ClientInfo[] {
    const out: ClientInfo[] = []
    for (const p of this.#peers.values()) if (p.handshakeDone && !p.ended) out.push(p.info)
    return out
  }

  /** The connections of `getAllClients()`, for `broadcast`. */
  getAllClientsSockets(): Connection[] {
    return this.getAllClients().map((c) => c.conn)
  }

  /** The `ClientInfo` of a connection of this server (also after it closed), or undefined. */
  getClient(conn: Connection): ClientInfo | undefined {
    return this.#known.get(conn)?.info
  }

  /** `ON_CONNECT (client)`: after a connection completes the handshake. */
  setCallback(event: Events.ON_CONNECT, callback: ((client: ClientInfo) => unknown) | undefined): void
  /** `ON_RECV (client, response)`: a message no route took. */
  setCallback(
    event: Events.ON_RECV,
    callback: ((client: ClientInfo, response: Response) => unknown) | undefined,
  ): void
  /** `ON_DISCONNECT (client, info)`: exactly once per connection that completed the handshake. */
  setCallback(
    event: Events.ON_DISCONNECT,
    callback: ((client: ClientInfo, info: ServerDisconnectInfo) => unknown) | undefined,
  ): void
  setCallback(event: Events, callback: ((...args: never[]) => unknown) | undefined): void {
    switch (event) {
      case Events.ON_CONNECT:
        this.#onConnect = callback as ((client: ClientInfo) => unknown) | undefined
        return
      case Events.ON_DISCONNECT:
        this.#onDisconnect = callback as
          | ((client: ClientInfo, info: ServerDisconnectInfo) => unknown)
          | undefined
        return
      case Events.ON_RECV: {
        const cb = callback as ((client: ClientInfo, response: Response) => unknown) | undefined
        this.#router.setReceiveCallback(
          cb === undefined ? undefined : (response, client) => cb(client, response),
        )
        return
      }
      default:
        throw new TypeError(`unknown event ${String(event)}`)
    }
  }

  /**
   * Routes a message type to `handler (response, client)`; routes beat `ON_RECV`. With a typed message type
   * (`defineMessage`), `response.data` is the decoded payload. False when the type already has a route.
   */
  route<T, R>(type: TypedMessageType<T, R>, handler: TypedHandler<T, ClientInfo>): boolean
  route(type: MessageType | number, handler: Handler<ClientInfo>): boolean
  route(type: MessageType | number, handler: Handler<ClientInfo> | TypedHandler<never, ClientInfo>): boolean {
    return this.requestHandler.registerRoute(type, handler as Handler<ClientInfo>)
  }

  /** Declares a message type without routing it (needed with `unknownMessageTypes: 'drop'`). */
  registerMessageType(type: MessageType): boolean {
    return this.registry.register(type)
  }

  /**
   * Sends `request` to `client` and waits for the frame carrying the same request id. Resolves the reply
   * (its `latency` is the real round trip in ms), or null after `timeout`; rejects `AbortError` on abort,
   * `ConnectionClosedError` when the connection closes meanwhile, `NotConnectedError` when it is closed.
   * With a typed request, the reply's `data` is decoded with the type's `replyCodec`.
   */
  sendAndWait<T, R>(
    request: TypedRequest<T, R>,
    client: SendTarget,
    options?: WaitOptions,
  ): Promise<TypedResponse<R> | null>
  sendAndWait(request: Request, client: SendTarget, options?: WaitOptions): Promise<Response | null>
  async sendAndWait(
    request: Request,
    client: SendTarget,
    options: WaitOptions = {},
  ): Promise<Response | null> {
    const session = this.#sessionOf(client)
    const response = await session.sendAndWait(request, {
      timeout: options.timeout ?? this.config.requestTimeout,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
    if (response !== null && request instanceof TypedRequest) return request.type.decodeReply(response)
    return response
  }

  /** Pings a client: the round trip in ms (sub-ms), or null after `timeout`. */
  async pingClient(client: SendTarget, options: WaitOptions = {}): Promise<number | null> {
    return this.#sessionOf(client).ping({
      timeout: options.timeout ?? this.config.requestTimeout,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
  }

  /** Counters: live connections summed with the closed ones. */
  stats(): ServerStats {
    const sum = addStats(emptyStats(), this.#closedStats)
    let clients = 0
    for (const p of this.#peers.values()) {
      addStats(sum, p.stats())
      if (p.handshakeDone && !p.ended) clients++
    }
    const { lastRtt: _unused, ...rest } = sum
    return {
      ...rest,
      connections: this.#peers.size,
      clients,
      acceptedTotal: this.#acceptedTotal,
      handshakeFailures: this.#handshakeFailures,
      authRefused: this.#authRefused,
      limits: { ...this.#limitStats },
    }
  }

  #sessionOf(target: SendTarget): Session {
    const conn = target instanceof ClientInfo ? target.conn : target
    const session = this.#known.get(conn)?.session
    if (session === undefined) throw new UnknownClientError()
    return session
  }

  #accept(conn: Connection): void {
    this.#acceptedTotal++
    if (this.#perAddress && !this.#admit(conn)) return
    const peer = new Peer(conn)
    this.#peers.set(conn, peer)
    this.#known.set(conn, peer)
    try {
      const cb = this.#sessionCallbacks()
      peer.session = new Session({
        connection: conn,
        role: 'server',
        registry: this.registry,
        handshakeTimeout: this.config.handshakeTimeout,
        handshakeMode: this.config.handshakeMode,
        heartbeat: this.config.heartbeat,
        maxMessageSize: this.config.maxMessageSize,
        ...(this.#encryption === undefined ? {} : { encryption: this.#encryption }),
        ...(this.config.unknownMessageTypes === 'drop' ? { dropUnknownTypes: true } : {}),
        ...(cb.authenticate === undefined ? {} : { authenticate: cb.authenticate }),
        // Lines carry { peer: 'address:port' } through a child logger made on the first line emitted.
        logger: this.#logger,
        logPeer: true,
        data: peer,
        onReady: cb.onReady,
        onMessage: cb.onMessage,
        onClose: cb.onClose,
      })
    } catch (error) {
      // A session that cannot even start (should not happen): the connection must not linger.
      report(this.#logger, 'session setup', error)
      this.#peers.delete(conn)
      conn.destroy(error instanceof Error ? error : undefined)
    }
  }

  /** The session callbacks, one set per server (the connection's `Peer` is `session.data`). */
  #sessionCallbacks(): ServerSessionCallbacks {
    let cb = this.#callbacks
    if (cb !== undefined) return cb
    const router = this.#router
    const authenticate = this.config.authenticate
    cb = {
      onReady: (session) => {
        const peer = session.data as Peer
        if (this.#logger.isLevelEnabled(LogLevel.DEBUG)) {
          this.#logger.debug('client connected', { peer: peer.info.toString() })
        }
        invoke(this.#logger, 'ON_CONNECT callback', this.#onConnect, peer.info)
      },
      onMessage: this.#rateLimited
        ? (response, session) => {
            const peer = session.data as Peer
            if (this.#withinRate(peer, response)) router.dispatch(peer, response, peer.info)
          }
        : (response, session) => {
            const peer = session.data as Peer
            router.dispatch(peer, response, peer.info)
          },
      onClose: (info, session) => this.#closed(session.data as Peer, info),
      authenticate:
        authenticate === undefined
          ? undefined
          : (info, session) => authenticate(authInfo(session.connection, info)),
    }
    this.#callbacks = cb
    return cb
  }

  /** Per-address limits at accept time; false = the connection was closed. */
  #admit(conn: Connection): boolean {
    const l = this.config.limits
    const now = performance.now()
    const key = conn.remoteAddress
    let e = this.#addresses.get(key)
    if (e === undefined) {
      if (this.#addresses.size >= 4096) this.#sweepAddresses(now)
      e = { open: 0, windowStart: now, newInWindow: 0 }
      this.#addresses.set(key, e)
    }
    if (now - e.windowStart >= 1000) {
      e.windowStart = now
      e.newInWindow = 0
    }
    e.newInWindow++
    let why: string | undefined
    if (l.maxConnectionsPerAddress > 0 && e.open >= l.maxConnectionsPerAddress) {
      why = `maxConnectionsPerAddress (${l.maxConnectionsPerAddress})`
    } else if (l.maxNewConnectionsPerSecond > 0 && e.newInWindow > l.maxNewConnectionsPerSecond) {
      why = `maxNewConnectionsPerSecond (${l.maxNewConnectionsPerSecond})`
    }
    if (why !== undefined) {
      this.#limitStats.refusedConnections++
      this.#logger.debug(() => `refused a connection from ${key}: ${why}`)
      conn.setHandler({ frame: () => {}, close: () => {} })
      // One ERROR frame says why (a Veltix client fails with ServerRefusedError), then a graceful close.
      conn.send(ERROR.code, 0, Buffer.from(`connection refused: ${why}`, 'utf8'))
      void conn.close()
      return false
    }
    e.open++
    return true
  }

  #sweepAddresses(now: number): void {
    for (const [k, e] of this.#addresses)
      if (e.open === 0 && now - e.windowStart >= 1000) this.#addresses.delete(k)
  }

  /** Per-connection message / byte rate (fixed one-second windows); false = not dispatched. */
  #withinRate(peer: Peer, response: Response): boolean {
    const l = this.config.limits
    const now = performance.now()
    let w = peer.window
    if (w === undefined) peer.window = w = { start: now, messages: 0, bytes: 0 }
    else if (now - w.start >= 1000) {
      w.start = now
      w.messages = 0
      w.bytes = 0
    }
    w.messages++
    w.bytes += response.content.length
    let over: RateLimitError | undefined
    if (l.maxMessagesPerSecond > 0 && w.messages > l.maxMessagesPerSecond) {
      over = new RateLimitError('maxMessagesPerSecond', l.maxMessagesPerSecond)
    } else if (l.maxBytesPerSecond > 0 && w.bytes > l.maxBytesPerSecond) {
      over = new RateLimitError('maxBytesPerSecond', l.maxBytesPerSecond)
    }
    if (over === undefined) return true
    if (l.onLimit === 'close') {
      if (!peer.ended && peer.session !== undefined && !peer.session.closed) {
        this.#limitStats.closedConnections++
        this.#logger.warning(`closing ${peer.info}: ${over.message}`)
        peer.session.destroy(over)
      }
    } else {
      this.#limitStats.droppedMessages++
      this.#logger.debug(() => `dropped a message from ${peer.info}: ${over.limit} exceeded`)
    }
    return false
  }

  #closed(peer: Peer, info: SessionCloseInfo): void {
    if (peer.ended) return
    peer.ended = true
    this.#peers.delete(peer.info.conn)
    if (this.#perAddress) {
      const e = this.#addresses.get(peer.info.conn.remoteAddress)
      if (e !== undefined && e.open > 0) e.open--
    }
    if (info.reason === 'auth-refused') this.#authRefused++
    addStats(this.#closedStats, { ...peer.stats(), pendingRequests: 0 })
    if (peer.handshakeDone) {
      const out: ServerDisconnectInfo = { reason: info.reason }
      if (info.error !== undefined) out.error = info.error
      invoke(this.#logger, 'ON_DISCONNECT callback', this.#onDisconnect, peer.info, out)
    } else {
      this.#handshakeFailures++
    }
  }

  #send(request: Request, conn: Connection | undefined): boolean {
    if (conn === undefined) {
      this.#logger.error('server sender: send(request, conn) needs the target connection')
      return false
    }
    const session = this.#known.get(conn)?.session
    if (session !== undefined) return session.send(request)
    const r = conn.send(request.type.code, request.id, request.payload)
    return r === 'ok' || r === 'backpressure'
  }

  #broadcast(request: Request, all: Connection[]): number {
    let to = all
    let sealed = 0
    if (this.#encryption !== undefined) {
      // Encrypted connections cannot share one encoded frame: each seals its own.
      to = []
      for (const conn of all) {
        const s = this.#known.get(conn)?.session
        if (s?.encrypted) {
          if (s.send(request)) sealed++
        } else to.push(conn)
      }
      if (to.length === 0) return sealed
    }
    return sealed + this.#broadcastPlain(request, to)
  }

  #broadcastPlain(request: Request, to: Connection[]): number {
    const transport = this.#transport
    let accepted: number
    if (transport !== undefined) {
      accepted = transport.broadcast(request.type.code, request.id, request.payload, to)
    } else {
      const bytes = encodeFrame({ code: request.type.code, requestId: request.id, payload: request.payload })
      accepted = 0
      for (const conn of to) {
        const r = conn.sendEncoded(bytes)
        if (r === 'ok' || r === 'backpressure') accepted++
      }
    }
    // Count per connection for stats; when some refused, those are the ones that closed meanwhile.
    for (const conn of to) {
      const peer = this.#known.get(conn)
      if (peer !== undefined && (accepted === to.length || !conn.closed)) {
        peer.broadcastOut++
        peer.broadcastBytes += HEADER_SIZE + request.payload.length
      }
    }
    return accepted
  }
}

function authInfo(conn: Connection, info: import('@veltix/session').AuthenticateInfo): AuthInfo {
  return {
    addr: [conn.remoteAddress, conn.remotePort],
    capabilities: info.capabilities,
    token: info.token === undefined ? undefined : Buffer.from(info.token).toString('utf8'),
    tokenBytes: info.token,
    encrypted: info.encrypted,
    clientKey: info.peerIdentity === undefined ? undefined : fingerprint(info.peerIdentity),
  }
}
