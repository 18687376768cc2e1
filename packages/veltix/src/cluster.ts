import { randomBytes } from 'node:crypto'
import type { MessageType, Request, Response } from '@veltix/codec'
import type { LoggerLike } from '@veltix/logger'
import { AbortError, ConnectionClosedError } from '@veltix/session'
import type { ClientInfo } from './client-info.js'
import { UnknownClientError } from './errors.js'
import { TypedRequest, type TypedResponse } from './typed-message.js'

/**
 * Scale-out: one application on many servers. `server.cluster` is always there; without a `cluster` adapter
 * in the config it is a cluster of one node (this server), so code written against it runs unchanged on one
 * machine. With an adapter (`redisCluster(...)` from `@veltix/redis`) every call reaches every node.
 * The adapter only carries what crosses nodes; anything about this node's own clients is done here, without
 * the adapter, so local traffic never waits on (or fails with) the broker.
 */

/** A tag filter: `[name]` (the tag is present) or `[name, value]` (present and `===` value after JSON travel). */
export type ClusterTagFilter = readonly [name: string] | readonly [name: string, value: unknown]

/** Options of `cluster.broadcast`. */
export interface ClusterBroadcastOptions {
  /** Only clients with this tag (and value). */
  tag?: ClusterTagFilter
  /** Client ids (or `ClientInfo`s) left out. */
  except?: Iterable<string | { readonly id: string }>
}

/** Options of `cluster.fetchClients`. */
export interface ClusterFetchOptions {
  tag?: ClusterTagFilter
  /** ms to wait for the other nodes' answers; default the server's `requestTimeout`. */
  timeout?: number
}

/** Options of `cluster.sendAndWait`. */
export interface ClusterWaitOptions {
  /** ms; default the server's `requestTimeout`. Resolves null when it passes. */
  timeout?: number
  signal?: AbortSignal
}

/** A client of some node, as `fetchClients` reports it. Tag values are the ones set there, through JSON. */
export interface ClusterClient {
  id: string
  nodeId: string
  addr: readonly [string, number]
  tags: Record<string, unknown>
}

/** A live node, as `nodes()` reports it: its client count as of its last heartbeat, when it joined (ms epoch). */
export interface ClusterNode {
  nodeId: string
  clients: number
  since: number
}

/** A server-to-server message handler: the message as received and the id of the node that emitted it. */
export type ClusterMessageHandler = (message: Response, fromNodeId: string) => unknown

/** The filter a broadcast carries to every node. */
export interface ClusterFilter {
  tag?: ClusterTagFilter | undefined
  except?: readonly string[] | undefined
}

/** How a node answers a `sendAndWait` made on another node. */
export type ClusterReply =
  | { status: 'ok'; response: Response }
  | { status: 'timeout' }
  | { status: 'unknown-client' }
  | { status: 'closed' }

/**
 * What a server gives its cluster adapter: this node's clients, and the calls another node's request ends in.
 * Adapters call these for messages that came from other nodes; none of them touches the broker.
 */
export interface ClusterHost {
  readonly nodeId: string
  readonly logger: LoggerLike
  /** The server's `requestTimeout` (ms), the default wait of cluster calls. */
  readonly requestTimeout: number
  /** The server's type for a code (an anonymous one when it has none). */
  resolveType(code: number): MessageType
  /** How many clients this node has. */
  clientCount(): number
  /** This node's clients matching `tag`. */
  clients(tag?: ClusterTagFilter): ClusterClient[]
  /** Sends to this node's matching clients; how many connections accepted it. */
  broadcast(request: Request, filter: ClusterFilter): number
  /** Sends to one client of this node; false when it is not here or its connection refused. */
  send(request: Request, clientId: string): boolean
  /** `sendAndWait` to one client of this node. */
  sendAndWait(request: Request, clientId: string, timeout: number): Promise<ClusterReply>
  /** A server-to-server message from another node: runs the `onMessage` handlers. */
  message(message: Response, fromNodeId: string): void
}

/**
 * A cluster adapter (the seam `@veltix/redis` implements): it carries calls to the other nodes and brings
 * theirs here through the `ClusterHost`. Every call rejects with `ClusterUnavailableError` (never hangs)
 * while the broker cannot be reached; `attach` never rejects for that (the adapter keeps trying).
 */
export interface ClusterAdapter {
  /** Joins the cluster for `host` (on `server.start()`). Resolves once joined or after a bounded wait. */
  attach(host: ClusterHost): Promise<void>
  /** Leaves (on `server.closeAll()`): pending calls reject, nothing is left running. */
  detach(): Promise<void>
  /** True while calls can reach the other nodes. */
  readonly available: boolean
  /** Delivers to the matching clients of every other node; resolves how many other nodes received it. */
  broadcast(request: Request, filter: ClusterFilter): Promise<number>
  /** The matching clients of every other node (those that answered within `timeout`). */
  fetchClients(tag: ClusterTagFilter | undefined, timeout: number): Promise<ClusterClient[]>
  /** Sends to a client of the node `nodeId`. */
  send(request: Request, nodeId: string, clientId: string, timeout: number): Promise<boolean>
  /** `sendAndWait` to a client of the node `nodeId`; `timeout` when no answer came in time. */
  sendAndWait(
    request: Request,
    nodeId: string,
    clientId: string,
    timeout: number,
    signal?: AbortSignal,
  ): Promise<ClusterReply>
  /** Every live node, this one included. */
  nodes(): Promise<ClusterNode[]>
  /** A server-to-server message to every other node; resolves how many received it. */
  emit(request: Request): Promise<number>
}

/** The cluster cannot be reached (the broker is down or restarting, or the server is not started). */
export class ClusterUnavailableError extends Error {
  readonly code = 'VELTIX_ERR_CLUSTER_UNAVAILABLE'
  constructor(message = 'the cluster is unavailable', options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ClusterUnavailableError'
  }
}

/** A fresh node id: 12 hex characters (48 random bits), never holding the `-` that separates client ids. */
export function newNodeId(): string {
  return randomBytes(6).toString('hex')
}

/** The node part of a client id (`<nodeId>-<n>`), or undefined when it is not one. */
export function nodeOfClient(clientId: string): string | undefined {
  const i = typeof clientId === 'string' ? clientId.lastIndexOf('-') : -1
  return i > 0 ? clientId.slice(0, i) : undefined
}

/** Whether `client` passes `tag`. */
export function matchesTag(client: ClientInfo, tag: ClusterTagFilter | undefined): boolean {
  if (tag === undefined) return true
  if (!client.hasTag(tag[0])) return false
  return tag.length < 2 || client.getTag(tag[0]) === tag[1]
}

/** What `ServerCluster` needs of its server (its public calls, so no back door into the server). */
export interface ClusterServer {
  readonly logger: LoggerLike
  readonly requestTimeout: number
  resolveType(code: number): MessageType
  clients(): Iterable<ClientInfo>
  broadcast(request: Request, to: ClientInfo[]): number
  send(request: Request, to: ClientInfo): boolean
  sendAndWait(
    request: Request,
    to: ClientInfo,
    timeout: number,
    signal?: AbortSignal,
  ): Promise<Response | null>
}

/**
 * `server.cluster`: the calls that reach every node. Calls about this node's own clients never need the
 * broker; those that need it reject with `ClusterUnavailableError` while it is unreachable or before
 * `start()`.
 */
export class ServerCluster {
  /** This server's id in the cluster (also the prefix of its clients' ids). */
  readonly nodeId: string
  readonly #server: ClusterServer
  readonly #adapter: ClusterAdapter | undefined
  readonly #byId = new Map<string, ClientInfo>()
  readonly #handlers = new Set<ClusterMessageHandler>()
  #host: ClusterHost | undefined
  #attached = false
  #nextClient = 0
  readonly #since = Date.now()

  /** @internal Built by `Server`. */
  constructor(server: ClusterServer, adapter: ClusterAdapter | undefined, nodeId = newNodeId()) {
    this.nodeId = nodeId
    this.#server = server
    this.#adapter = adapter
  }

  /** True when calls reach every node: always without an adapter, else while attached and the broker is reachable. */
  get available(): boolean {
    return this.#adapter === undefined || (this.#attached && this.#adapter.available)
  }

  /**
   * Sends `request` to every matching client of every node, each cluster message encoded once whatever the
   * number of nodes. This node's clients get it at once; resolves how many nodes received it (this one
   * included). Rejects `ClusterUnavailableError`, before sending anything, while the broker is unreachable.
   */
  async broadcast(request: Request, options: ClusterBroadcastOptions = {}): Promise<number> {
    const filter = toFilter(options)
    const remote = this.#adapter === undefined ? undefined : this.#remote().broadcast(request, filter)
    this.#hostFor().broadcast(request, filter)
    return remote === undefined ? 1 : 1 + (await remote)
  }

  /** Every matching client of every node that answered within `timeout` (this node's first). */
  async fetchClients(options: ClusterFetchOptions = {}): Promise<ClusterClient[]> {
    const timeout = options.timeout ?? this.#server.requestTimeout
    const remote = this.#adapter === undefined ? undefined : this.#remote().fetchClients(options.tag, timeout)
    const local = this.#hostFor().clients(options.tag)
    return remote === undefined ? local : local.concat(await remote)
  }

  /**
   * Sends to the client `clientId` on whichever node holds it: true once its connection accepted the frame;
   * false when no node holds it, its connection refused, or its node did not answer within `requestTimeout`.
   */
  async send(request: Request, clientId: string): Promise<boolean> {
    const node = nodeOfClient(clientId)
    if (node === undefined) return false
    if (node === this.nodeId || this.#adapter === undefined) return this.#hostFor().send(request, clientId)
    return this.#remote().send(request, node, clientId, this.#server.requestTimeout)
  }

  /**
   * `sendAndWait` to the client `clientId` on whichever node holds it. Resolves the reply (its `latency` is the
   * round trip seen here), or null after `timeout` (also when its node is slow or gone silent); rejects
   * `UnknownClientError` when no node holds that client, `ConnectionClosedError` when its connection closes
   * meanwhile, `AbortError` on abort, `ClusterUnavailableError` while the broker is unreachable.
   */
  sendAndWait<T, R>(
    request: TypedRequest<T, R>,
    clientId: string,
    options?: ClusterWaitOptions,
  ): Promise<TypedResponse<R> | null>
  sendAndWait(request: Request, clientId: string, options?: ClusterWaitOptions): Promise<Response | null>
  async sendAndWait(
    request: Request,
    clientId: string,
    options: ClusterWaitOptions = {},
  ): Promise<Response | null> {
    const timeout = options.timeout ?? this.#server.requestTimeout
    const signal = options.signal
    if (signal?.aborted) throw new AbortError()
    const node = nodeOfClient(clientId)
    if (node === undefined) throw new UnknownClientError(`no node holds the client ${String(clientId)}`)
    let response: Response | null
    if (node === this.nodeId || this.#adapter === undefined) {
      const client = this.#byId.get(clientId)
      if (client === undefined) throw new UnknownClientError(`no node holds the client ${clientId}`)
      response = await this.#server.sendAndWait(request, client, timeout, signal)
    } else {
      const started = performance.now()
      const reply = await this.#remote().sendAndWait(request, node, clientId, timeout, signal)
      if (reply.status === 'unknown-client')
        throw new UnknownClientError(`no node holds the client ${clientId}`)
      if (reply.status === 'closed') {
        throw new ConnectionClosedError(
          `the connection of client ${clientId} closed while waiting for its reply`,
        )
      }
      if (reply.status === 'timeout') return null
      response = reply.response
      response.latency = performance.now() - started
    }
    if (response !== null && request instanceof TypedRequest) return request.type.decodeReply(response)
    return response
  }

  /** Every live node, this one included (without an adapter: this one). */
  async nodes(): Promise<ClusterNode[]> {
    if (this.#adapter === undefined) {
      return [{ nodeId: this.nodeId, clients: this.#byId.size, since: this.#since }]
    }
    return this.#remote().nodes()
  }

  /** A server-to-server message to every other node's `onMessage` handlers; resolves how many nodes got it. */
  async emit(request: Request): Promise<number> {
    if (this.#adapter === undefined) return 0
    return this.#remote().emit(request)
  }

  /** Runs `handler (message, fromNodeId)` for each `emit` of another node; returns its unsubscribe. */
  onMessage(handler: ClusterMessageHandler): () => void {
    this.#handlers.add(handler)
    return () => {
      this.#handlers.delete(handler)
    }
  }

  /** @internal The id of the next client of this node. */
  nextClientId(): string {
    return `${this.nodeId}-${++this.#nextClient}`
  }

  /** @internal A client completed its handshake. */
  track(client: ClientInfo): void {
    this.#byId.set(client.id, client)
  }

  /** @internal A client is gone. */
  untrack(client: ClientInfo): void {
    this.#byId.delete(client.id)
  }

  /** @internal On `start()`: joins the cluster. Never rejects (an unreachable broker is retried in the background). */
  async attach(): Promise<void> {
    if (this.#adapter === undefined || this.#attached) return
    this.#attached = true
    try {
      await this.#adapter.attach(this.#hostFor())
    } catch (error) {
      this.#server.logger.error(`cluster: joining failed: ${(error as Error).message}`)
    }
  }

  /** @internal On `closeAll()`: leaves the cluster. */
  async detach(): Promise<void> {
    if (this.#adapter === undefined || !this.#attached) return
    this.#attached = false
    try {
      await this.#adapter.detach()
    } catch (error) {
      this.#server.logger.error(`cluster: leaving failed: ${(error as Error).message}`)
    }
  }

  #remote(): ClusterAdapter {
    const a = this.#adapter!
    if (!this.#attached)
      throw new ClusterUnavailableError('the server is not started: the cluster is unavailable')
    if (!a.available) throw new ClusterUnavailableError()
    return a
  }

  /** This node's clients matching `filter`. */
  #select(filter: ClusterFilter): ClientInfo[] {
    const except =
      filter.except === undefined || filter.except.length === 0 ? undefined : new Set(filter.except)
    const out: ClientInfo[] = []
    for (const c of this.#server.clients()) {
      if (matchesTag(c, filter.tag) && (except === undefined || !except.has(c.id))) out.push(c)
    }
    return out
  }

  #hostFor(): ClusterHost {
    if (this.#host !== undefined) return this.#host
    const server = this.#server
    const byId = this.#byId
    const nodeId = this.nodeId
    const handlers = this.#handlers
    const select = (filter: ClusterFilter) => this.#select(filter)
    this.#host = {
      nodeId,
      logger: server.logger,
      requestTimeout: server.requestTimeout,
      resolveType: (code) => server.resolveType(code),
      clientCount: () => byId.size,
      clients: (tag) => {
        const out: ClusterClient[] = []
        for (const c of server.clients()) if (matchesTag(c, tag)) out.push(describe(c, nodeId))
        return out
      },
      broadcast: (request, filter) => {
        const to = select(filter)
        return to.length === 0 ? 0 : server.broadcast(request, to)
      },
      send: (request, clientId) => {
        const c = byId.get(clientId)
        return c !== undefined && !c.closed && server.send(request, c)
      },
      sendAndWait: async (request, clientId, timeout) => {
        const c = byId.get(clientId)
        if (c === undefined || c.closed) return { status: 'unknown-client' }
        try {
          const response = await server.sendAndWait(request, c, timeout)
          return response === null ? { status: 'timeout' } : { status: 'ok', response }
        } catch (error) {
          return { status: error instanceof UnknownClientError ? 'unknown-client' : 'closed' }
        }
      },
      message: (message, fromNodeId) => {
        for (const h of handlers) {
          try {
            const r = h(message, fromNodeId)
            if (r instanceof Promise) r.catch((e) => reportHandler(server.logger, e))
          } catch (e) {
            reportHandler(server.logger, e)
          }
        }
      },
    }
    return this.#host
  }
}

function toFilter(options: ClusterBroadcastOptions): ClusterFilter {
  const filter: ClusterFilter = {}
  if (options.tag !== undefined) filter.tag = options.tag
  if (options.except !== undefined) {
    const ids: string[] = []
    for (const e of options.except) ids.push(typeof e === 'string' ? e : e.id)
    filter.except = ids
  }
  return filter
}

function describe(c: ClientInfo, nodeId: string): ClusterClient {
  const tags: Record<string, unknown> = {}
  for (const t of c.getTags()) tags[t] = c.getTag(t)
  return { id: c.id, nodeId, addr: c.addr, tags }
}

function reportHandler(logger: LoggerLike, error: unknown): void {
  logger.error(`cluster onMessage handler failed: ${error instanceof Error ? error.message : String(error)}`)
}
