import {
  encodeFrame,
  type MessageType,
  MessageTypeRegistry,
  type Request,
  type Response,
} from '@veltix/codec'
import type { LoggerLike } from '@veltix/logger'
import { type DispatchQueue, Router } from '@veltix/router'
import {
  DisconnectReason,
  type DisconnectState,
  fingerprint,
  NotConnectedError,
  Reconnector,
  ResumeClient,
  type Session,
  type WaitOptions,
} from '@veltix/session'
import type { Connection } from '@veltix/transport'
import { fanOut, Subscribers } from './callbacks.js'
import { clientInfoOf } from './client-info.js'
import { ClientConfig, type ClientConfigInit } from './config.js'
import { Events } from './events.js'
import { clientPlugins } from './plugins/attach.js'
import type { PluginHost } from './plugins/host.js'
import type { AttachMode, PluginWire, VeltixBasePlugin } from './plugins/plugin.js'
import { type Handler, RequestHandler, type TypedHandler } from './request-handler.js'
import { Sender, type SenderBackend, type SendTarget } from './sender.js'
import { connectionOfHandle, ServerConnection } from './server-connection.js'
import { addStats, type ClientStats, type ConnectionStats, emptyStats, sessionStats } from './stats.js'
import { type TypedMessageType, TypedRequest, type TypedResponse } from './typed-message.js'
import { clientWire2 } from './wire2.js'

/** What `ON_CONNECT` reports to the client. */
export interface ConnectInfo {
  /** True when this handshake resumed the dropped connection (`resume`): nothing sent either way was lost. */
  recovered: boolean
}

/** `new Client(init)` options: the reference's `ClientConfig` fields and ours (`offlineQueue` included). */
export interface ClientInit extends ClientConfigInit {}

let clientBroadcast: (c: Client, request: Request, to: Connection[]) => number
let liveConnection: (c: Client) => Connection | null

/** The client's `Sender` backend: one small object rather than three closures per client. */
class ClientBackend implements SenderBackend<Connection> {
  readonly client: Client
  /** The plugins while one has an outbound hook: the one field the send paths test. */
  plugins: PluginHost<null> | undefined = undefined
  readonly #rc: Reconnector
  readonly #logger: LoggerLike
  constructor(client: Client, rc: Reconnector, logger: LoggerLike) {
    this.client = client
    this.#rc = rc
    this.#logger = logger
  }
  resolve(target: SendTarget): Connection | undefined {
    // Only connections count here: a server's ClientInfo is not a target of a client.
    if (target instanceof ServerConnection) return connectionOfHandle(target)
    return clientInfoOf(target) === undefined ? (target as Connection) : undefined
  }
  closed(conn: Connection): boolean {
    return conn.closed
  }
  // The send path calls the reconnector directly: one call level less keeps V8 inlining down to the codec.
  send(request: Request): boolean {
    try {
      const ok = this.#rc.send(request)
      if (ok && this.plugins !== undefined) this.plugins.sent(request, null)
      return ok
    } catch (error) {
      if (!(error instanceof NotConnectedError)) this.#logger.warning(`send: ${(error as Error).message}`)
      return false
    }
  }
  broadcast(request: Request, to: Connection[]): number {
    const n = clientBroadcast(this.client, request, to)
    const out = this.plugins
    if (out !== undefined) for (let i = 0; i < n; i++) out.sent(request, null)
    return n
  }
  defaultTargets(): Connection[] {
    const conn = liveConnection(this.client)
    return conn === null ? [] : [conn]
  }
}

/**
 * A Veltix client (the reference's `Client`). `connect()` resolves true once the handshake is done, false
 * when the server cannot be reached (after the configured `retry` attempts) — it never throws for an
 * unreachable server. With `retry > 0` a lost connection is re-established in the background: `ON_DISCONNECT`
 * reports each loss and failed attempt with a {@link DisconnectState}, `ON_CONNECT` each new handshake.
 */
export class Client {
  static {
    clientBroadcast = (c, request, to) => c.#broadcast(request, to)
    liveConnection = (c) => c.#rc.session?.connection ?? null
  }

  readonly config: ClientConfig
  /** Message types this client knows (system types + every routed or registered one). */
  readonly registry: MessageTypeRegistry
  /** Routes (the reference's `request_handler`). */
  readonly requestHandler: RequestHandler<Client>
  readonly #router: Router<Client>
  readonly #logger: LoggerLike
  readonly #sender: Sender
  readonly #backend: ClientBackend
  readonly #rc: Reconnector
  /** The dispatch queue of `#queueSession` (one session at a time is live: no map per client). */
  #queue: DispatchQueue | undefined
  #queueSession: Session | undefined
  /** Session of the live (or last) connection, until its stats are folded into #closedStats. */
  #current: Session | undefined
  #currentExtraOut = 0
  #currentExtraBytes = 0
  /** The `client.connection` handle of the live session (made on first use). */
  #handle: ServerConnection | undefined
  /** Counters of the closed connections (created when the first one closes). */
  #closedStats: ConnectionStats | undefined
  #reconnects = 0
  #failedAttempts = 0
  readonly #onConnect = new Subscribers<[info: ConnectInfo]>()
  /** The resumable connection across reconnects (`resume` on). */
  readonly #resume: ResumeClient | undefined
  readonly #onDisconnect = new Subscribers<[state: DisconnectState]>()
  readonly #onRecv: Subscribers<[response: Response]>
  /** Resolved when the client is closed for good (made on demand by `waitUntilClosed`). */
  #closedWait: { promise: Promise<void>; resolve: () => void } | undefined
  #lastError: Error | undefined
  #pluginHost: PluginHost<null> | undefined
  /** The Reconnector's session options: plugins' wire extensions are set here for the next connection. */
  #sessionInit: PluginWire = {}
  /** The plugins while at least one is registered: the one field the message path tests. */
  #plugins: PluginHost<null> | undefined

  constructor(config: ClientInit | ClientConfig = {}) {
    this.config = config instanceof ClientConfig ? config : new ClientConfig(config)
    const c = this.config
    this.#logger = c.logger
    this.registry = new MessageTypeRegistry()
    this.#router = new Router<Client>({ concurrency: c.concurrency, logger: this.#logger })
    this.requestHandler = new RequestHandler(this.#router, this.registry)
    const router = this.#router
    const onRecv = new Subscribers<[response: Response]>(() => {
      const list = onRecv.list
      // One argument, as documented (the router passes the client as a second one).
      router.setReceiveCallback(
        list.length === 0 ? undefined : fanOut(list.map((cb) => (response: Response) => cb(response))),
      )
    })
    this.#onRecv = onRecv
    const offlineQueue = c.offlineQueue
    this.#resume = c.resume === undefined ? undefined : new ResumeClient(c.resume)
    this.#rc = new Reconnector({
      transport: {
        host: c.serverAddr,
        port: c.port,
        core: c.socketCore,
        maxMessageSize: c.maxMessageSize,
        bufferSize: c.bufferSize,
        performanceMode: c.performanceMode,
        connectTimeout: c.connectTimeout,
        ...(c.maxWorkers === undefined ? {} : { maxWorkers: c.maxWorkers }),
        ...(c.unknownMessageTypes === 'drop' ? { registry: this.registry } : {}),
        ...(c.tls === undefined ? {} : { tls: c.tls }),
        ...clientWire2(c.protocol, c.handshakeTimeout),
        logger: this.#logger,
      },
      session: Object.assign(this.#sessionInit, {
        registry: this.registry,
        handshakeTimeout: c.handshakeTimeout,
        heartbeat: c.heartbeat,
        maxMessageSize: c.maxMessageSize,
        ...(c.encryption === 'off' ? {} : { encryption: c.handshakeInit() }),
        ...(c.token === undefined ? {} : { token: c.token }),
        ...(this.#resume === undefined ? {} : { resume: this.#resume }),
        ...(c.unknownMessageTypes === 'drop' ? { dropUnknownTypes: true } : {}),
        logger: this.#logger,
      }),
      retry: c.retry,
      retryDelay: c.retryDelay,
      ...(c.backoff === undefined ? {} : { backoff: c.backoff }),
      offlineQueue,
      logger: this.#logger,
      onConnect: (session, reconnected) => this.#connected(session, reconnected),
      onDisconnect: (state) => this.#disconnected(state),
      onMessage: (response, session) => {
        const plugins = this.#plugins
        if (plugins === undefined) this.#router.dispatch(this.#queueOf(session), response, this)
        else plugins.message(this.#queueOf(session), response, null)
      },
    })
    this.#backend = new ClientBackend(this, this.#rc, this.#logger)
    this.#sender = new Sender(this.#backend as SenderBackend<unknown>)
  }

  /** True while a connection with a completed handshake is up. */
  get connected(): boolean {
    return this.#rc.connected
  }

  /**
   * The error of the last failed attempt or lost connection (e.g. `ConnectError`, `AuthenticationError`,
   * `UntrustedKeyError`, `EncryptionRequiredError`, `DecryptError`); cleared by each successful handshake.
   * `connect()` resolves false on failure: this says why.
   */
  get lastError(): Error | undefined {
    return this.#lastError
  }

  /** True when the live connection is end-to-end encrypted. */
  get encrypted(): boolean {
    return this.#rc.session?.encrypted ?? false
  }

  /** Fingerprint (`SHA256:…`) of the server's identity key on an encrypted connection, else undefined. */
  get serverKey(): string | undefined {
    const k = this.#rc.session?.peerIdentity
    return k === undefined ? undefined : fingerprint(k)
  }

  /**
   * The live connection as a handle (addresses, `closed`, wire `stats`, graceful `close()`; no raw send, so
   * nothing bypasses the session), or null. The same object while that connection lives.
   */
  get connection(): ServerConnection | null {
    const s = this.#rc.session
    if (s === undefined || s === null) return null
    let h = this.#handle
    if (h === undefined || connectionOfHandle(h) !== s.connection) this.#handle = h = new ServerConnection(s)
    return h
  }

  /**
   * Connects and runs the handshake. Resolves true once it is done; false when every attempt failed
   * (connection refused, timeout, version mismatch…; `retry` more attempts are made first, each reported
   * to `ON_DISCONNECT`). Never rejects for an unreachable server; rejects `AbortError` when `signal` aborts.
   */
  async connect(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    try {
      await this.#rc.connect(options)
      return true
    } catch (error) {
      if (options.signal?.aborted) throw error
      this.#lastError = error instanceof Error ? error : new Error(String(error))
      // An expected outcome the caller handles: a warning, not an error.
      this.#logger.warning(`connect() failed: ${(error as Error).message}`)
      return false
    }
  }

  /**
   * Closes the connection (what was sent is flushed first) and stops reconnecting. `ON_DISCONNECT` fires
   * with `reason: MANUAL, permanent: true` when there was a connection or an attempt to stop. Pending
   * `sendAndWait` calls reject with `ConnectionClosedError`.
   */
  async disconnect(): Promise<void> {
    const session = this.#current
    await this.#rc.disconnect()
    // Messages still waiting behind a busy async handler are dropped.
    if (session !== undefined && session === this.#queueSession) this.#queue?.close()
  }

  /** No further reconnection attempt (an attempt in flight finishes). */
  stopRetry(): void {
    this.#rc.stopRetry()
  }

  /**
   * Allows reconnecting again, with `max` as the new retry count when given; when disconnected, starts
   * attempts now. Resolves true once connected, false when the attempts failed.
   */
  retry(options: { max?: number } = {}): Promise<boolean> {
    return this.#rc.retry(options)
  }

  /** The sender: `send(request)` returns false when there is no live connection. */
  getSender(): Sender {
    return this.#sender
  }

  /** The sender (as `getSender()`). */
  get sender(): Sender {
    return this.#sender
  }

  /**
   * Sends `request` to the server: true when the connection accepted it (or, with `offlineQueue`, queued
   * it); false, never a throw, when there is no live connection or its queue is full.
   */
  send(request: Request): boolean {
    return this.#sender.send(request)
  }

  /**
   * Resolves once the client is closed for good: after `disconnect()`, or a loss or failed attempt that is
   * not retried (`ON_DISCONNECT` with `permanent: true`); at once when it is not connected nor trying to be.
   */
  waitUntilClosed(): Promise<void> {
    const state = this.#rc.state
    if (state === 'idle' || state === 'stopped') return Promise.resolve()
    if (this.#closedWait === undefined) {
      let resolve!: () => void
      const promise = new Promise<void>((r) => {
        resolve = r
      })
      this.#closedWait = { promise, resolve }
    }
    return this.#closedWait.promise
  }

  /** Subscribes to `ON_CONNECT (info)` (`info.recovered`), beside `setCallback`'s; returns the unsubscribe. */
  onConnect(listener: (info: ConnectInfo) => unknown): () => void {
    return this.#onConnect.add(listener)
  }

  /** Subscribes to `ON_RECV (response)` (messages no route took), beside `setCallback`'s; returns the unsubscribe. */
  onRecv(listener: (response: Response) => unknown): () => void {
    return this.#onRecv.add(listener)
  }

  /** Subscribes to `ON_DISCONNECT (state)`, beside `setCallback`'s; returns the unsubscribe. */
  onDisconnect(listener: (state: DisconnectState) => unknown): () => void {
    return this.#onDisconnect.add(listener)
  }

  /** `ON_CONNECT (info)`: after each handshake (the first and every reconnect); `info.recovered` with `resume`. */
  setCallback(event: Events.ON_CONNECT, callback: ((info: ConnectInfo) => unknown) | undefined): void
  /** `ON_RECV (response)`: a message no route took. */
  setCallback(event: Events.ON_RECV, callback: ((response: Response) => unknown) | undefined): void
  /** `ON_DISCONNECT (state)`: each lost connection, failed attempt, and `disconnect()`. */
  setCallback(event: Events.ON_DISCONNECT, callback: ((state: DisconnectState) => unknown) | undefined): void
  setCallback(event: Events, callback: ((...args: never[]) => unknown) | undefined): void {
    switch (event) {
      case Events.ON_CONNECT:
        this.#onConnect.set(callback as ((info: ConnectInfo) => unknown) | undefined)
        return
      case Events.ON_DISCONNECT:
        this.#onDisconnect.set(callback as ((state: DisconnectState) => unknown) | undefined)
        return
      case Events.ON_RECV:
        this.#onRecv.set(callback as ((response: Response) => unknown) | undefined)
        return
      default:
        throw new TypeError(`unknown event ${String(event)}`)
    }
  }

  /**
   * Routes a message type to `handler (response, client)`; routes beat `ON_RECV`. With a typed message type
   * (`defineMessage`), `response.data` is the decoded payload. False when the type already has a route.
   */
  route<T, R>(type: TypedMessageType<T, R>, handler: TypedHandler<T, Client>): boolean
  route(type: MessageType | number, handler: Handler<Client>): boolean
  route(type: MessageType | number, handler: Handler<Client> | TypedHandler<never, Client>): boolean {
    return this.requestHandler.registerRoute(type, handler as Handler<Client>)
  }

  /** Declares a message type without routing it (needed with `unknownMessageTypes: 'drop'`). */
  registerMessageType(type: MessageType): boolean {
    return this.registry.register(type)
  }

  /**
   * Sends `request` and waits for the frame carrying the same request id. Resolves the reply (its `latency`
   * is the real round trip in ms), or null after `timeout`; rejects `NotConnectedError` when not connected,
   * `ConnectionClosedError` when the connection closes meanwhile, `AbortError` on abort. With a typed
   * request, the reply's `data` is decoded with the type's `replyCodec`.
   */
  sendAndWait<T, R>(request: TypedRequest<T, R>, options?: WaitOptions): Promise<TypedResponse<R> | null>
  sendAndWait(request: Request, options?: WaitOptions): Promise<Response | null>
  sendAndWait(request: Request, options?: WaitOptions): Promise<Response | null> {
    // No async wrapper: the session's promise is returned as is (one promise and one hop less per round trip).
    let p: Promise<Response | null>
    try {
      p = this.#rc.sendAndWait(request, {
        timeout: options?.timeout ?? this.config.requestTimeout,
        signal: options?.signal,
      })
    } catch (error) {
      return Promise.reject(error)
    }
    const out = this.#backend.plugins
    if (out !== undefined) p = out.request(request, null, p)
    if (request instanceof TypedRequest) {
      const typed = request
      return p.then((response) => (response === null ? null : typed.type.decodeReply(response)))
    }
    return p
  }

  /**
   * Pings the server: the round trip in ms (monotonic, sub-ms), or null after `timeout` — and null, as the
   * reference, when there is no connection or it closes meanwhile. Rejects only with `AbortError`.
   */
  pingServer(options?: WaitOptions): Promise<number | null> {
    const session = this.#rc.session
    if (session === undefined) return Promise.resolve(null)
    const signal = options?.signal
    let p: Promise<number | null>
    try {
      p = session.ping({ timeout: options?.timeout ?? this.config.requestTimeout, signal })
    } catch (error) {
      p = Promise.reject(error)
    }
    return p.then(undefined, (error: unknown) => {
      if (signal?.aborted) throw error
      return null
    })
  }

  /** Counters of this client over all its connections. */
  stats(): ClientStats {
    const sum = emptyStats()
    if (this.#closedStats !== undefined) addStats(sum, this.#closedStats)
    if (this.#current !== undefined) {
      addStats(sum, sessionStats(this.#current, this.#currentExtraOut, this.#currentExtraBytes))
    }
    return {
      ...sum,
      connected: this.connected,
      reconnects: this.#reconnects,
      failedAttempts: this.#failedAttempts,
      pluginErrors: this.#pluginHost?.errors ?? 0,
      ...(this.#resume === undefined ? {} : { resume: { ...this.#resume.stats } }),
    }
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

  #pluginsOf(): PluginHost<null> {
    this.#pluginHost ??= clientPlugins(
      this,
      this.registry,
      this.#router,
      this.#logger,
      (h) => {
        this.#plugins = h
      },
      (h) => {
        this.#backend.plugins = h
      },
      this.#sessionInit,
    )
    return this.#pluginHost
  }

  #queueOf(session: Session): DispatchQueue {
    if (session === this.#queueSession) return this.#queue!
    const q = this.#router.createQueue()
    this.#queue = q
    this.#queueSession = session
    return q
  }

  #fold(): void {
    const s = this.#current
    if (s === undefined) return
    this.#closedStats ??= emptyStats()
    addStats(this.#closedStats, {
      ...sessionStats(s, this.#currentExtraOut, this.#currentExtraBytes),
      pendingRequests: 0,
    })
    this.#current = undefined
    this.#currentExtraOut = 0
    this.#currentExtraBytes = 0
  }

  #connected(session: Session, reconnected: boolean): void {
    this.#fold()
    this.#current = session
    this.#lastError = undefined
    if (reconnected) this.#reconnects++
    this.#plugins?.connect(null)
    this.#onConnect.emit(this.#logger, 'ON_CONNECT callback', { recovered: this.#resume?.recovered === true })
  }

  #disconnected(state: DisconnectState): void {
    if (state.error !== undefined) this.#lastError = state.error
    if (this.#current?.closed) {
      this.#plugins?.disconnect(
        null,
        state.error === undefined ? { reason: state.reason } : { reason: state.reason, error: state.error },
        this.#queue,
      )
      this.#fold()
    } else if (state.reason !== DisconnectReason.MANUAL) {
      this.#failedAttempts++
      this.#plugins?.connectFailed(
        state.error === undefined ? { reason: state.reason } : { reason: state.reason, error: state.error },
      )
    }
    this.#onDisconnect.emit(this.#logger, 'ON_DISCONNECT callback', state)
    if (state.permanent) {
      this.#resume?.giveUp()
      this.#closedWait?.resolve()
      this.#closedWait = undefined
    }
  }

  #broadcast(request: Request, to: Connection[]): number {
    const session = this.#rc.session
    if (
      session?.encrypted ||
      session?.wire === '2' ||
      (session !== undefined && this.#resume !== undefined)
    ) {
      // The one connection seals (numbers, with resume; on the 2.x wire, encodes) its own frames; any other given gets the plain frame.
      const rest = to.filter((c) => c !== session.connection)
      const own = rest.length < to.length && session.send(request) ? 1 : 0
      return own + (rest.length === 0 ? 0 : this.#broadcastPlain(request, rest))
    }
    return this.#broadcastPlain(request, to)
  }

  #broadcastPlain(request: Request, to: Connection[]): number {
    const bytes = encodeFrame({ code: request.type.code, requestId: request.id, payload: request.payload })
    let accepted = 0
    for (const conn of to) {
      const r = conn.sendEncoded(bytes)
      if (r === 'ok' || r === 'backpressure') {
        accepted++
        if (conn === this.#rc.session?.connection) {
          this.#currentExtraOut++
          this.#currentExtraBytes += bytes.length
        }
      }
    }
    return accepted
  }
}
