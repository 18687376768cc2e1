import { createClient } from '@redis/client'
import {
  AbortError,
  type ClusterAdapter,
  type ClusterClient,
  type ClusterFilter,
  type ClusterHost,
  type ClusterNode,
  type ClusterReply,
  type ClusterTagFilter,
  ClusterUnavailableError,
  Request,
  Response,
} from 'veltix'
import { decodeEnvelope, type Envelope, encodeEnvelope, GENERATED_ID, Kind, OK } from './envelope.js'
import type { ResolvedOptions } from './options.js'

/** The command connection: commands while Redis is unreachable fail at once instead of queueing. */
function newClient(o: ResolvedOptions) {
  return createClient({
    url: o.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: o.connectTimeout,
      // Fast first retries, then every maxReconnectDelay (with jitter, so nodes do not reconnect in lockstep).
      reconnectStrategy: (n: number) =>
        Math.min(50 * 2 ** n, o.maxReconnectDelay) + Math.floor(Math.random() * 100),
    },
  })
}
type RedisClient = ReturnType<typeof newClient>

/** A call waiting for other nodes' answers (settled exactly once: by the answers, its timer, or a failure). */
interface Pending {
  timer: NodeJS.Timeout
  /** An answer from `from`. */
  answer(e: Envelope): void
  /** Rejects (the cluster became unreachable, or this node left). */
  fail(error: Error): void
  /** A node left: a fetch stops waiting for it. */
  left?(nodeId: string): void
}

// Reads every live node record in one round trip, dropping ids whose record expired.
const NODES_SCRIPT = `
local ids = redis.call('SMEMBERS', KEYS[1])
local out = {}
for _, id in ipairs(ids) do
  local v = redis.call('GET', ARGV[1] .. id)
  if v then out[#out + 1] = v else redis.call('SREM', KEYS[1], id) end
end
return out`

/**
 * The Redis cluster adapter: two connections per node (one publishing and running commands, one
 * subscribed), pub/sub on two channels per node (`<prefix>:<name>:all` and `<prefix>:<name>:to:<nodeId>`),
 * and a node registry of keys that expire after `nodeTimeout` (Redis's own clock, so no clock skew).
 */
export class RedisClusterAdapter implements ClusterAdapter {
  readonly #o: ResolvedOptions
  #host: ClusterHost | undefined
  #pub: RedisClient | undefined
  #sub: RedisClient | undefined
  #subscribed = false
  #heartbeat: NodeJS.Timeout | undefined
  #since = 0
  #corr = 0
  readonly #pending = new Map<number, Pending>()
  /** True between the first connection error and the next ready: one warning per outage, not per retry. */
  #down = false
  #all = ''
  #mine = ''

  constructor(options: ResolvedOptions) {
    this.#o = options
  }

  get available(): boolean {
    return this.#subscribed && this.#pub?.isReady === true && this.#sub?.isReady === true
  }

  /** @internal Cluster calls of this node still waiting for an answer (tests check none is left). */
  get pendingCalls(): number {
    return this.#pending.size
  }

  async attach(host: ClusterHost): Promise<void> {
    if (this.#host !== undefined) throw new Error('this cluster adapter is already attached to a server')
    this.#host = host
    this.#since = Date.now()
    const base = `${this.#o.keyPrefix}:${this.#o.name}`
    this.#all = `${base}:all`
    this.#mine = this.#channelOf(host.nodeId)
    const pub = newClient(this.#o)
    // The subscriber queues its one SUBSCRIBE until connected (and re-subscribes by itself after a reconnect).
    const sub = pub.duplicate({ disableOfflineQueue: false })
    this.#pub = pub
    this.#sub = sub
    pub.on('error', (e: Error) => this.#lost(e))
    sub.on('error', (e: Error) => this.#lost(e))
    pub.on('ready', () => this.#ready())
    sub.on('ready', () => this.#ready())
    const joined = (async () => {
      await Promise.all([pub.connect(), sub.connect()])
      await sub.subscribe([this.#all, this.#mine], (message: Buffer) => this.#receive(message), true)
      if (this.#sub !== sub) return // detached meanwhile
      this.#subscribed = true
      this.#ready()
    })()
    joined.catch(() => {}) // reported through the 'error' events; the clients keep retrying
    this.#heartbeat = setInterval(() => this.#beat(), this.#o.heartbeatInterval)
    this.#heartbeat.unref()
    let timer: NodeJS.Timeout | undefined
    const waited = await Promise.race([
      joined.then(
        () => true,
        () => false,
      ),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), this.#o.connectTimeout)
      }),
    ])
    clearTimeout(timer)
    if (!waited) {
      host.logger.warning(
        `cluster '${this.#o.name}': Redis at ${redact(this.#o.url)} is not reachable yet; serving local clients, retrying`,
      )
    }
  }

  async detach(): Promise<void> {
    const host = this.#host
    if (host === undefined) return
    clearInterval(this.#heartbeat)
    this.#heartbeat = undefined
    this.#failAll(new ClusterUnavailableError('this node left the cluster'))
    const pub = this.#pub
    const sub = this.#sub
    try {
      if (pub?.isReady) {
        // Best effort, bounded: the others forget this node now rather than after nodeTimeout.
        await this.#command(
          Promise.all([
            pub.publish(this.#all, encodeEnvelope(Kind.LEAVE, host.nodeId, 0, undefined)),
            pub.multi().del(this.#nodeKey(host.nodeId)).sRem(this.#nodesKey(), host.nodeId).exec(),
          ]),
        )
      }
    } catch {
      // Redis went away meanwhile: the record expires by itself after nodeTimeout.
    } finally {
      this.#subscribed = false
      this.#host = undefined
      this.#pub = undefined
      this.#sub = undefined
      pub?.destroy()
      sub?.destroy()
    }
  }

  async broadcast(request: Request, filter: ClusterFilter): Promise<number> {
    const meta: Record<string, unknown> = {}
    if (filter.tag !== undefined) meta.tag = filter.tag
    if (filter.except !== undefined && filter.except.length > 0) meta.except = filter.except
    const n = await this.#publish(this.#all, this.#request(Kind.BROADCAST, 0, meta, request))
    return Math.max(0, n - 1)
  }

  async emit(request: Request): Promise<number> {
    const n = await this.#publish(this.#all, this.#request(Kind.EMIT, 0, undefined, request))
    return Math.max(0, n - 1)
  }

  async nodes(): Promise<ClusterNode[]> {
    const host = this.#live()
    const raw = (await this.#command(
      this.#pub!.eval(NODES_SCRIPT, { keys: [this.#nodesKey()], arguments: [this.#nodeKeyBase()] }),
    )) as string[]
    const out: ClusterNode[] = []
    let self = false
    for (const text of raw) {
      try {
        const n = JSON.parse(text) as ClusterNode
        if (n.nodeId === host.nodeId) {
          self = true
          out.push(this.#self())
        } else out.push({ nodeId: n.nodeId, clients: n.clients, since: n.since })
      } catch {
        // A record not written by this package: skipped.
      }
    }
    // Right after (re)joining, this node's own record may not be written yet.
    if (!self) out.push(this.#self())
    return out.sort((a, b) => a.since - b.since || (a.nodeId < b.nodeId ? -1 : 1))
  }

  async fetchClients(tag: ClusterTagFilter | undefined, timeout: number): Promise<ClusterClient[]> {
    const host = this.#live()
    const expected = new Set<string>()
    for (const n of await this.nodes()) if (n.nodeId !== host.nodeId) expected.add(n.nodeId)
    const corr = this.#nextCorr()
    const results: ClusterClient[] = []
    const answered = new Set<string>()
    // How many nodes got the question (from PUBLISH); known once the publish returns.
    let reached = Number.POSITIVE_INFINITY
    return new Promise<ClusterClient[]>((resolve, reject) => {
      const done = () => {
        for (const id of answered) expected.delete(id)
        if (expected.size === 0 || answered.size >= reached) {
          this.#settle(corr)
          resolve(results)
        }
      }
      const p: Pending = {
        timer: setTimeout(() => {
          this.#settle(corr)
          host.logger.debug(() => `cluster: fetchClients timed out waiting for ${[...expected].join(', ')}`)
          resolve(results)
        }, timeout),
        answer: (e) => {
          if (e.kind !== Kind.FETCH_REPLY || answered.has(e.from)) return
          answered.add(e.from)
          const clients = e.meta?.clients
          if (Array.isArray(clients)) for (const c of clients) results.push(c as ClusterClient)
          done()
        },
        fail: reject,
        left: (nodeId) => {
          expected.delete(nodeId)
          done()
        },
      }
      this.#pending.set(corr, p)
      const meta = tag === undefined ? undefined : { tag }
      this.#publish(this.#all, encodeEnvelope(Kind.FETCH, host.nodeId, corr, meta)).then(
        (n) => {
          reached = n - 1
          if (this.#pending.get(corr) === p) done()
        },
        (error: Error) => {
          if (this.#settle(corr)) reject(error)
        },
      )
    })
  }

  async send(request: Request, nodeId: string, clientId: string, timeout: number): Promise<boolean> {
    const reply = await this.#ask(Kind.SEND, nodeId, { to: clientId }, request, timeout, undefined)
    return reply !== undefined && reply !== null && (reply.flags & OK) !== 0
  }

  async sendAndWait(
    request: Request,
    nodeId: string,
    clientId: string,
    timeout: number,
    signal?: AbortSignal,
  ): Promise<ClusterReply> {
    const e = await this.#ask(Kind.REQUEST, nodeId, { to: clientId, timeout }, request, timeout, signal)
    if (e === undefined) return { status: 'timeout' }
    if (e === null) return { status: 'unknown-client' }
    const status = e.meta?.status
    if (status === 'ok') {
      const host = this.#host!
      const frame = {
        code: e.code,
        requestId: e.requestId,
        timestamp: typeof e.meta?.ts === 'number' ? e.meta.ts : Date.now(),
        payload: e.payload,
      }
      return { status: 'ok', response: new Response(host.resolveType(e.code), frame) }
    }
    if (status === 'closed') return { status: 'closed' }
    if (status === 'timeout') return { status: 'timeout' }
    return { status: 'unknown-client' }
  }

  /**
   * One question to one node and its answer: the answer's envelope, null when no node listens on that
   * channel (the node is gone), undefined after `timeout`.
   */
  #ask(
    kind: Kind,
    nodeId: string,
    meta: Record<string, unknown>,
    request: Request,
    timeout: number,
    signal: AbortSignal | undefined,
  ): Promise<Envelope | null | undefined> {
    this.#live()
    const corr = this.#nextCorr()
    const bytes = this.#request(kind, corr, meta, request)
    return new Promise((resolve, reject) => {
      const finish = () => signal?.removeEventListener('abort', onAbort)
      const onAbort = () => {
        if (!this.#settle(corr)) return
        finish()
        reject(new AbortError('operation aborted', { cause: signal?.reason }))
      }
      const settled = (value: Envelope | null | undefined) => {
        if (!this.#settle(corr)) return
        finish()
        resolve(value)
      }
      this.#pending.set(corr, {
        timer: setTimeout(() => settled(undefined), timeout),
        answer: (e) => {
          if (e.from === nodeId) settled(e)
        },
        fail: (error) => {
          finish()
          reject(error)
        },
      })
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#publish(this.#channelOf(nodeId), bytes).then(
        // Nobody subscribed to that node's channel: the node is gone.
        (n) => n === 0 && settled(null),
        (error: Error) => {
          if (!this.#settle(corr)) return
          finish()
          reject(error)
        },
      )
    })
  }

  #receive(message: Buffer): void {
    const host = this.#host
    if (host === undefined) return
    const e = decodeEnvelope(message)
    if (e === undefined) {
      host.logger.debug('cluster: dropped a message that is not a Veltix cluster envelope')
      return
    }
    if (e.from === host.nodeId) return // our own publish on the shared channel
    try {
      switch (e.kind) {
        case Kind.BROADCAST: {
          const filter: ClusterFilter = {}
          if (Array.isArray(e.meta?.tag)) filter.tag = e.meta.tag as unknown as ClusterTagFilter
          if (Array.isArray(e.meta?.except)) filter.except = e.meta.except as string[]
          host.broadcast(this.#toRequest(e), filter)
          return
        }
        case Kind.EMIT:
          host.message(this.#toResponse(e), e.from)
          return
        case Kind.FETCH: {
          const tag = Array.isArray(e.meta?.tag) ? (e.meta.tag as unknown as ClusterTagFilter) : undefined
          this.#answer(e, Kind.FETCH_REPLY, { clients: jsonSafe(host.clients(tag), host) })
          return
        }
        case Kind.SEND: {
          const ok = host.send(this.#toRequest(e), String(e.meta?.to))
          this.#answer(e, Kind.SEND_ACK, undefined, ok ? OK : 0)
          return
        }
        case Kind.REQUEST: {
          const timeout = typeof e.meta?.timeout === 'number' ? e.meta.timeout : host.requestTimeout
          // The payload is a view into Redis's message: copied, since the wait outlives this call.
          const request = this.#toRequest({ ...e, payload: new Uint8Array(e.payload) })
          host.sendAndWait(request, String(e.meta?.to), timeout).then(
            (reply) => {
              if (reply.status === 'ok') {
                const r = reply.response
                this.#answer(
                  e,
                  Kind.REPLY,
                  { status: 'ok', ts: r.timestamp },
                  0,
                  r.type.code,
                  r.id,
                  r.content,
                )
              } else this.#answer(e, Kind.REPLY, { status: reply.status })
            },
            () => this.#answer(e, Kind.REPLY, { status: 'closed' }),
          )
          return
        }
        case Kind.LEAVE:
          for (const p of [...this.#pending.values()]) p.left?.(e.from)
          return
        default:
          // FETCH_REPLY, SEND_ACK, REPLY: answers to this node's questions.
          this.#pending.get(e.corr)?.answer(e)
      }
    } catch (error) {
      host.logger.error(`cluster: handling a message from node ${e.from} failed: ${(error as Error).message}`)
    }
  }

  /** Publishes an answer to the node that asked; an answer lost to an outage is the asker's timeout. */
  #answer(
    e: Envelope,
    kind: Kind,
    meta: Record<string, unknown> | undefined,
    flags = 0,
    code = 0,
    requestId = 0,
    payload?: Uint8Array,
  ): void {
    const host = this.#host
    if (host === undefined || !this.available) return
    const bytes = encodeEnvelope(kind, host.nodeId, e.corr, meta, code, requestId, payload, flags)
    this.#publish(this.#channelOf(e.from), bytes).catch(() => {})
  }

  #request(kind: Kind, corr: number, meta: Record<string, unknown> | undefined, r: Request): Buffer {
    const host = this.#live()
    const flags = r.generatedId ? GENERATED_ID : 0
    return encodeEnvelope(kind, host.nodeId, corr, meta, r.type.code, r.id, r.payload, flags)
  }

  #toRequest(e: Envelope): Request {
    const type = this.#host!.resolveType(e.code)
    // A generated id is left for the receiving side to generate again (no clash in its wait table).
    return (e.flags & GENERATED_ID) !== 0
      ? new Request(type, e.payload)
      : new Request(type, e.payload, { requestId: e.requestId })
  }

  #toResponse(e: Envelope): Response {
    const frame = { code: e.code, requestId: e.requestId, timestamp: Date.now(), payload: e.payload }
    return new Response(this.#host!.resolveType(e.code), frame)
  }

  async #publish(channel: string, bytes: Buffer): Promise<number> {
    this.#live()
    return (await this.#command(this.#pub!.publish(channel, bytes))) as number
  }

  /** A Redis command bounded by `commandTimeout`; any failure is a `ClusterUnavailableError`. */
  async #command<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    try {
      return await Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new ClusterUnavailableError(`Redis did not answer within ${this.#o.commandTimeout} ms`)),
            this.#o.commandTimeout,
          )
        }),
      ])
    } catch (error) {
      if (error instanceof ClusterUnavailableError) throw error
      throw new ClusterUnavailableError(`Redis: ${(error as Error).message}`, { cause: error })
    } finally {
      clearTimeout(timer)
    }
  }

  #live(): ClusterHost {
    const host = this.#host
    if (host === undefined) throw new ClusterUnavailableError('this node is not in the cluster')
    if (!this.available) throw new ClusterUnavailableError()
    return host
  }

  #nextCorr(): number {
    this.#corr = (this.#corr + 1) >>> 0 || 1
    return this.#corr
  }

  /** Removes a pending call; true when it was still there (so the caller settles it). */
  #settle(corr: number): boolean {
    const p = this.#pending.get(corr)
    if (p === undefined) return false
    clearTimeout(p.timer)
    this.#pending.delete(corr)
    return true
  }

  #failAll(error: Error): void {
    for (const [corr, p] of [...this.#pending]) {
      if (this.#settle(corr)) p.fail(error)
    }
  }

  #lost(error: Error): void {
    // Answers on the way are lost with the subscription: waiting calls fail now rather than time out.
    this.#failAll(new ClusterUnavailableError(`Redis connection lost: ${error.message}`, { cause: error }))
    if (this.#down) return
    this.#down = true
    this.#host?.logger.warning(
      `cluster '${this.#o.name}': Redis unreachable (${error.message}); cluster calls reject with ClusterUnavailableError until it is back`,
    )
  }

  #ready(): void {
    if (!this.available) return
    if (this.#down) {
      this.#down = false
      this.#host?.logger.info(`cluster '${this.#o.name}': Redis is back`)
    }
    this.#beat()
  }

  /** Writes this node's record (expiring after nodeTimeout) and its id in the node set. */
  #beat(): void {
    const host = this.#host
    const pub = this.#pub
    if (host === undefined || pub === undefined || !pub.isReady) return
    const record = JSON.stringify(this.#self())
    this.#command(
      pub
        .multi()
        .set(this.#nodeKey(host.nodeId), record, { expiration: { type: 'PX', value: this.#o.nodeTimeout } })
        .sAdd(this.#nodesKey(), host.nodeId)
        .exec(),
    ).catch(() => {}) // the next beat (or the next ready) writes it again
  }

  #self(): ClusterNode {
    const host = this.#host!
    return { nodeId: host.nodeId, clients: host.clientCount(), since: this.#since }
  }

  #channelOf(nodeId: string): string {
    return `${this.#o.keyPrefix}:${this.#o.name}:to:${nodeId}`
  }

  #nodesKey(): string {
    return `${this.#o.keyPrefix}:${this.#o.name}:nodes`
  }

  #nodeKeyBase(): string {
    return `${this.#o.keyPrefix}:${this.#o.name}:node:`
  }

  #nodeKey(nodeId: string): string {
    return this.#nodeKeyBase() + nodeId
  }
}

/** Client descriptions whose tags survive JSON (a value JSON cannot hold is dropped, with a debug line). */
function jsonSafe(clients: ClusterClient[], host: ClusterHost): ClusterClient[] {
  for (const c of clients) {
    for (const [k, v] of Object.entries(c.tags)) {
      try {
        JSON.stringify(v)
      } catch {
        delete c.tags[k]
        host.logger.debug(`cluster: tag '${k}' of ${c.id} cannot travel as JSON: left out`)
      }
    }
  }
  return clients
}

/** The URL without its password, for logs. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
}
