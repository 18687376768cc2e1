import { type MessageType, MessageTypeRegistry, type Request, type Response } from '@veltix/codec'
import { type LoggerLike, LogLevel } from '@veltix/logger'
import { type DispatchQueue, Router } from '@veltix/router'
import {
  fingerprint,
  generateIdentity,
  type IdentityKeyPair,
  ResumeStore,
  Session,
  type SessionCloseInfo,
  type SessionEncryptionInit,
  type SessionInit,
  type WaitOptions,
} from '@veltix/session'
import { type Connection, createServerTransport, type ServerTransport } from '@veltix/transport'
import { broadcast } from './broadcast.js'
import { fanOut, report, Subscribers } from './callbacks.js'
import { type ClientConnection, type ClientInfo, clientInfoOf, clientSource } from './client-info.js'
import { ServerCluster } from './cluster.js'
import { type AuthInfo, ServerConfig, type ServerConfigInit } from './config.js'
import { ServerStateError, UnknownClientError } from './errors.js'
import { Events } from './events.js'
import { Limits } from './limits.js'
import { admitTotal, closeListeners, listenerContext, startListeners } from './listeners.js'
import { Peer, type PeerOutbound } from './peer.js'
import { serverPlugins } from './plugins/attach.js'
import type { PluginHost } from './plugins/host.js'
import type { AttachMode, VeltixBasePlugin } from './plugins/plugin.js'
import { type Handler, RequestHandler, type TypedHandler } from './request-handler.js'
import { Sender, type SenderBackend, type SendTarget } from './sender.js'
import { ServerCounters } from './server-stats.js'
import type { ServerStats } from './stats.js'
import { type TypedMessageType, TypedRequest, type TypedResponse } from './typed-message.js'
import { serverWire2 } from './wire2.js'

/** Why a server-side connection ended, passed to `ON_DISCONNECT` after the client. */
export interface ServerDisconnectInfo {
  reason: SessionCloseInfo['reason']
  error?: Error
}

type ServerState = 'idle' | 'starting' | 'listening' | 'closing'

type ServerSessionCallbacks = Required<Pick<SessionInit, 'onReady' | 'onMessage' | 'onClose'>> &
  Pick<SessionInit, 'authenticate'>

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
  /** The calls that reach every node of the cluster (this server alone without a `cluster` adapter). */
  readonly cluster: ServerCluster
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
  readonly #counters = new ServerCounters()
  /** Resumable connections by token (`resume` on). */
  readonly #resume: ResumeStore | undefined
  readonly #onConnect = new Subscribers<[client: ClientInfo]>()
  readonly #onDisconnect = new Subscribers<[client: ClientInfo, info: ServerDisconnectInfo]>()
  readonly #onRecv: Subscribers<[client: ClientInfo, response: Response]>
  /** Resolved by the next `closeAll()` that is not part of a `restart()` (made on demand). */
  #closedWait: { promise: Promise<void>; resolve: () => void } | undefined
  #restarting = false
  readonly #identity: IdentityKeyPair | undefined
  readonly #encryption: SessionEncryptionInit | undefined
  readonly #limits: Limits
  #callbacks: ServerSessionCallbacks | undefined
  #pluginHost: PluginHost<ClientInfo> | undefined
  /** The plugins while at least one is registered: the one field the message path tests. */
  #plugins: PluginHost<ClientInfo> | undefined
  /** The plugins while one has an outbound hook: the one field the send paths test (shared with the peers). */
  readonly #outbound: PeerOutbound = { plugins: undefined }

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
    this.#limits = new Limits(c.limits, this.#logger)
    this.#resume = c.resume === undefined ? undefined : new ResumeStore(c.resume)
    if (this.#resume !== undefined) {
      this.#resume.onAttach = (session, recovered, state) => {
        const peer = (session as Session).data as Peer
        peer.recovered = recovered
        peer.resume = state
      }
    }
    this.registry = new MessageTypeRegistry()
    this.#router = new Router<ClientInfo>({
      concurrency: this.config.concurrency,
      logger: this.#logger,
      describe: (client) => client.toString(),
    })
    this.requestHandler = new RequestHandler(this.#router, this.registry)
    const router = this.#router
    const onRecv = new Subscribers<[client: ClientInfo, response: Response]>(() => {
      // The router takes one receive callback: the subscribers fanned out, in the router's argument order.
      const list = onRecv.list
      router.setReceiveCallback(
        list.length === 0
          ? undefined
          : fanOut(list.map((cb) => (response: Response, client: ClientInfo) => cb(client, response))),
      )
    })
    this.#onRecv = onRecv
    this.#sender = new Sender(this.#senderBackend() as SenderBackend<unknown>)
    this.cluster = new ServerCluster(
      {
        logger: this.#logger,
        requestTimeout: c.requestTimeout,
        resolveType: (code) => this.registry.resolve(code),
        clients: () => this.getAllClients(),
        broadcast: (request, to) => this.#sender.broadcast(request, to),
        send: (request, to) => to.send(request),
        sendAndWait: (request, to, timeout, signal) =>
          this.sendAndWait(request, to, signal === undefined ? { timeout } : { timeout, signal }),
      },
      c.cluster,
    )
  }

  /** This server's id in the cluster (the prefix of its clients' `id`s); random, fixed for the server's life. */
  get nodeId(): string {
    return this.cluster.nodeId
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
      ...serverWire2(this.config.protocol, this.config.handshakeTimeout, () => this.#hasExtras()),
      logger: this.#logger,
    })
    this.#transport = transport
    transport.onConnection((conn) => this.#accept(conn))
    this.#starting = (async () => {
      try {
        this.#address = await transport.listen()
        this.#boundPort = this.#address.port
        const accept = (conn: Connection): void => this.#accept(conn)
        await startListeners(this.config.listeners, listenerContext(this.config, this.registry, accept))
        this.#state = 'listening'
        this.#logger.info(`Server listening on ${this.#address.host}:${this.#address.port}`)
        await this.cluster.attach()
      } catch (error) {
        this.#transport = undefined
        this.#state = 'idle'
        await transport.close().catch(() => {})
        // Not listening after all (also when a restart() could not listen again): waiters are done.
        this.#closedWait?.resolve()
        this.#closedWait = undefined
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
      await this.cluster.detach()
      const queues: DispatchQueue[] = [...this.#peers.values()]
      // Encrypted clients are told the end is deliberate (close-notify), not a truncation.
      for (const p of this.#peers.values()) p.session?.sendCloseNotify()
      try {
        await Promise.all([transport.close(), closeListeners(this.config.listeners, this.#logger)])
      } finally {
        // Every connection is closed by now; a session whose close report is still on its way is destroyed.
        for (const peer of [...this.#peers.values()]) peer.session?.destroy()
        // Messages still waiting behind a busy handler are dropped: the server is shutting down.
        for (const q of queues) q.close()
        this.#resume?.clear()
        this.#transport = undefined
        this.#address = undefined
        this.#state = 'idle'
        this.#closing = undefined
        this.#logger.info('Server closed')
        if (!this.#restarting) {
          this.#closedWait?.resolve()
          this.#closedWait = undefined
        }
      }
    })()
    return this.#closing
  }

  /**
   * `closeAll()` then `start()`: every client is disconnected (`ON_DISCONNECT` for each), the server listens
   * again on the same port (also when configured with port 0); routes, callbacks, listeners and the stats
   * are kept. `waitUntilClosed()` does not resolve for it. Rejects as `start()` does.
   */
  async restart(): Promise<void> {
    this.#restarting = true
    try {
      await this.closeAll()
    } finally {
      this.#restarting = false
    }
    await this.start()
  }

  /**
   * Resolves once the server is closed by `closeAll()` (not by a `restart()`); at once when it is not
   * started. For programs that run until something shuts the server down.
   */
  waitUntilClosed(): Promise<void> {
    if (this.#state === 'idle' && !this.#restarting) return Promise.resolve()
    if (this.#closedWait === undefined) {
      let resolve!: () => void
      const promise = new Promise<void>((r) => {
        resolve = r
      })
      this.#closedWait = { promise, resolve }
    }
    return this.#closedWait.promise
  }

  /** The sender: `send(request, client.conn)` and `broadcast(request, conns, except?)`. */
  getSender(): Sender {
    return this.#sender
  }

  /** The sender (as `getSender()`). */
  get sender(): Sender {
    return this.#sender
  }

  /**
   * Sends `request` to `client` (a `ClientInfo` or its `conn`) through its session: true when the connection
   * accepted it; false, never a throw, when it is closing, closed, full, or not a client of this server.
   */
  send(request: Request, client: SendTarget): boolean {
    return this.#sender.send(request, client)
  }

  /**
   * Sends `request` to every connected client but those in `except` (`ClientInfo`s or their `conn`s),
   * encoding the frame once; returns how many connections accepted it.
   */
  broadcast(request: Request, options: { except?: Iterable<SendTarget> } = {}): number {
    return this.#sender.broadcast(request, undefined, options.except)
  }

  /**
   * Closes one client gracefully (what was queued is flushed; encrypted: close-notify first; `ON_DISCONNECT`
   * fires). Resolves true once it is closed; false when it is not an open client of this server.
   */
  async closeClient(client: SendTarget): Promise<boolean> {
    const peer = this.#peerOf(client)
    if (peer === undefined || peer.ended || peer.conn.closed) return false
    await peer.closeGracefully()
    return true
  }

  /**
   * Connected clients with the tag `key` — and, when `value` is given, with that value (compared with
   * `Object.is`; a tag added without a value holds `true`) — in connection order.
   */
  getClientsByTag(key: string, ...value: [] | [unknown]): ClientInfo[] {
    const out: ClientInfo[] = []
    const any = value.length === 0
    for (const p of this.#peers.values()) {
      if (!p.live || !p.info.hasTag(key)) continue
      if (any || Object.is(p.info.getTag(key), value[0])) out.push(p.info)
    }
    return out
  }

  /** Subscribes to `ON_CONNECT (client)`, beside `setCallback`'s; returns the unsubscribe. */
  onConnect(listener: (client: ClientInfo) => unknown): () => void {
    return this.#onConnect.add(listener)
  }

  /** Subscribes to `ON_RECV (client, response)` (messages no route took), beside `setCallback`'s; returns the unsubscribe. */
  onRecv(listener: (client: ClientInfo, response: Response) => unknown): () => void {
    return this.#onRecv.add(listener)
  }

  /** Subscribes to `ON_DISCONNECT (client, info)`, beside `setCallback`'s; returns the unsubscribe. */
  onDisconnect(listener: (client: ClientInfo, info: ServerDisconnectInfo) => unknown): () => void {
    return this.#onDisconnect.add(listener)
  }

  /** Clients that completed the handshake and have not disconnected, in connection order. */
  getAllClients(): ClientInfo[] {
    const out: ClientInfo[] = []
    for (const p of this.#peers.values()) if (p.live) out.push(p.info)
    return out
  }

  /** The connection handles of `getAllClients()`, for `broadcast`. */
  getAllClientsSockets(): ClientConnection[] {
    return this.getAllClients().map((c) => c.conn)
  }

  /** The `ClientInfo` of a connection handle of this server (also after it closed), or undefined. */
  getClient(conn: ClientConnection): ClientInfo | undefined {
    const peer = this.#peerOf(conn)
    return peer === undefined ? undefined : peer.info
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
        this.#onConnect.set(callback as ((client: ClientInfo) => unknown) | undefined)
        return
      case Events.ON_DISCONNECT:
        this.#onDisconnect.set(
          callback as ((client: ClientInfo, info: ServerDisconnectInfo) => unknown) | undefined,
        )
        return
      case Events.ON_RECV:
        this.#onRecv.set(callback as ((client: ClientInfo, response: Response) => unknown) | undefined)
        return
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
    let reply = session.sendAndWait(request, {
      timeout: options.timeout ?? this.config.requestTimeout,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
    const out = this.#outbound.plugins
    if (out !== undefined) reply = out.request(request, (session.data as Peer).info, reply)
    const response = await reply
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
    const s = this.#counters.snapshot(this.#peers.values(), this.#limits.counters)
    s.pluginErrors = this.#pluginHost?.errors ?? 0
    if (this.#resume !== undefined) s.resume = { ...this.#resume.stats }
    return s
  }

  /** Registers a plugin (see `VeltixBasePlugin`): true, or false when one of that name is registered. */
  registerPlugin(plugin: VeltixBasePlugin): boolean {
    return this.#pluginsOf().register(plugin)
  }

  /** Unregisters the plugin of that name (its `onUnregister` runs): false when there is none. */
  unregisterPlugin(name: string): boolean {
    return this.#pluginHost?.unregister(name) ?? false
  }

  /** Attaches a plugin to a message type (registering it if needed); false when the type is taken exclusively. */
  attach(type: MessageType | number, plugin: VeltixBasePlugin, mode: AttachMode): boolean {
    return this.#pluginsOf().attach(type, plugin, mode)
  }

  #pluginsOf(): PluginHost<ClientInfo> {
    this.#pluginHost ??= serverPlugins(
      this,
      this.registry,
      this.#router,
      this.#logger,
      this.#sender,
      (h) => {
        this.#plugins = h
      },
      (h) => {
        this.#outbound.plugins = h
      },
    )
    return this.#pluginHost
  }

  /** The peer of a target of this server (a `ClientInfo`, its `conn`, or an internal connection). */
  #peerOf(target: SendTarget): Peer | undefined {
    const info = clientInfoOf(target)
    const peer = info === undefined ? this.#known.get(target as Connection) : clientSource(info)
    // A ClientInfo of another server is not ours.
    return peer instanceof Peer && this.#known.get(peer.conn) === peer ? peer : undefined
  }

  #sessionOf(target: SendTarget): Session {
    const session = this.#peerOf(target)?.session
    if (session === undefined) throw new UnknownClientError()
    return session
  }

  #senderBackend(): SenderBackend<Peer> {
    return {
      resolve: (target) => this.#peerOf(target),
      // A dropped client whose state is held (or resumed since) still takes sends: kept, then replayed.
      closed: (peer) => peer.conn.closed && peer.resume?.alive !== true,
      send: (request, peer) => {
        if (peer === undefined) {
          this.#logger.error('server sender: send(request, client) needs a client of this server')
          return false
        }
        return peer.send(request)
      },
      broadcast: (request, to) =>
        broadcast(request, to, this.config.maxMessageSize, this.#outbound, this.config.protocol),
      broadcastAll: (request, skip) =>
        broadcast(
          request,
          this.#peers.values(),
          this.config.maxMessageSize,
          this.#outbound,
          this.config.protocol,
          true,
          skip,
        ),
      defaultTargets: () => this.#livePeers(),
    }
  }

  /** Protocol '2': whether our HELLO (and its capability block) must follow the JSON handshake. */
  #hasExtras(): boolean {
    return (
      this.#encryption !== undefined ||
      this.config.authenticate !== undefined ||
      this.config.resume !== undefined ||
      !!this.#pluginHost?.wire.compression
    )
  }

  *#livePeers(): Generator<Peer> {
    for (const p of this.#peers.values()) if (p.live) yield p
  }

  #accept(conn: Connection): void {
    this.#counters.acceptedTotal++
    if (!admitTotal(conn, this.config.maxConnection, this.#peers.size, this.#logger)) return
    if (this.#limits.perAddress && !this.#limits.admit(conn)) return
    const peer = new Peer(conn, this.cluster.nextClientId(), this.#outbound)
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
        ...(this.#resume === undefined ? {} : { resume: this.#resume }),
        ...this.#pluginHost?.wire,
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
    const limits = this.#limits
    const authenticate = this.config.authenticate
    cb = {
      onReady: (session) => {
        const peer = session.data as Peer
        if (this.#logger.isLevelEnabled(LogLevel.DEBUG)) {
          this.#logger.debug('client connected', { peer: peer.info.toString() })
        }
        this.cluster.track(peer.info)
        this.#plugins?.connect(peer.info)
        this.#onConnect.emit(this.#logger, 'ON_CONNECT callback', peer.info)
      },
      onMessage: this.#limits.perConnection
        ? (response, session) => {
            const peer = session.data as Peer
            if (!limits.withinRate(peer, response)) return
            const plugins = this.#plugins
            if (plugins === undefined) router.dispatch(peer, response, peer.info)
            else plugins.message(peer, response, peer.info)
          }
        : (response, session) => {
            const peer = session.data as Peer
            const plugins = this.#plugins
            if (plugins === undefined) router.dispatch(peer, response, peer.info)
            else plugins.message(peer, response, peer.info)
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

  #closed(peer: Peer, info: SessionCloseInfo): void {
    if (peer.ended) return
    peer.ended = true
    this.#peers.delete(peer.conn)
    this.cluster.untrack(peer.info)
    if (this.#limits.perAddress) this.#limits.release(peer.conn.remoteAddress)
    this.#counters.closed(peer, info)
    if (peer.handshakeDone) {
      const out: ServerDisconnectInfo = { reason: info.reason }
      if (info.error !== undefined) out.error = info.error
      this.#plugins?.disconnect(peer.info, out, peer)
      this.#onDisconnect.emit(this.#logger, 'ON_DISCONNECT callback', peer.info, out)
    } else {
      this.#plugins?.connectFailed(info.error === undefined ? { reason: info.reason } : info)
    }
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
