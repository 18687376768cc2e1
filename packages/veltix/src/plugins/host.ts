import type { MessageType, Request, Response } from '@veltix/codec'
import type { LoggerLike } from '@veltix/logger'
import { DispatchQueue, Router } from '@veltix/router'
import type { Tags } from '../tags.js'
import {
  AttachMode,
  Permission,
  type PluginContext,
  type PluginDisconnectInfo,
  PluginPermissionError,
  type PluginWire,
  type VeltixBasePlugin,
} from './plugin.js'

/** What the host needs of its owner (a Server or a Client). @internal */
export interface PluginBackend<C> {
  readonly side: 'server' | 'client'
  readonly logger: LoggerLike
  send(request: Request, client: C): boolean
  broadcast(request: Request): number
  tags(client: C): Tags
  close(client: C): Promise<void>
  stats(): unknown
  /** Declares an attached type in the owner's registry. */
  declare(type: MessageType): void
  /** The usual dispatch (route, else ON_RECV) on the connection's queue. */
  deliver(queue: DispatchQueue, response: Response, client: C): void
  /**
   * Called with true when the first plugin is registered, false once the last one is gone and no message is
   * left in the plugins' queues (until then the owner keeps routing through them: per-connection order holds).
   */
  active(on: boolean): void
  /** Called with true when the first plugin with an outbound hook (OUTBOUND) is registered, false when none is left. */
  outbound(on: boolean): void
  /** The merged wire extensions changed. */
  wire?(wire: PluginWire): void
}

/** One registered plugin: its permissions as flags, read per call. */
class Entry {
  readonly plugin: VeltixBasePlugin
  readonly connections: boolean
  readonly messages: boolean
  readonly outbound: boolean
  registered = true
  constructor(plugin: VeltixBasePlugin) {
    this.plugin = plugin
    const p = plugin.permissions
    this.connections = p.includes(Permission.CONNECTIONS)
    this.messages = p.includes(Permission.MESSAGES)
    this.outbound =
      p.includes(Permission.OUTBOUND) && (plugin.onSend !== undefined || plugin.onReply !== undefined)
  }
}

interface Step {
  readonly entry: Entry
  readonly mode: AttachMode
}

/** One connection's plugin lane: its own ordered queue (a router queue), in front of the connection's. */
class Lane<C> extends DispatchQueue {
  readonly queue: DispatchQueue
  readonly client: C
  /** A message's hooks run inline now (outside the router): messages arriving meanwhile wait in `later`. */
  inline = false
  later: Response[] | undefined = undefined
  /** The pending hook of the message handed to the router to hold the lane (read once by the callback). */
  hold: unknown = undefined
  constructor(queue: DispatchQueue, client: C) {
    super()
    this.queue = queue
    this.client = client
  }
}

const NO_STEPS: readonly Step[] = []
const NO_ENTRIES: readonly Entry[] = []
const noop = (): void => {}
/** A hook threw synchronously. */
const THREW = Symbol('threw')

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function'
}

/**
 * The plugins of one Server or Client: registration, attachments, permissions, and the dispatch of each
 * message through them. Messages of one connection go through the plugins in order, through a router queue
 * of their own (an async hook holds the later ones), then to the usual dispatch. Nothing here runs while no
 * plugin is registered: the owner tests one field per message. @internal
 */
export class PluginHost<C> {
  /** Hooks that threw or rejected, since the owner was created. */
  errors = 0
  /** The registered plugins' wire extensions, merged (registration order: the first one wins). */
  wire: PluginWire = {}
  readonly #backend: PluginBackend<C>
  readonly #entries = new Map<string, Entry>()
  /** Attachments per type code, in attach order: plugin name -> mode. */
  readonly #attached = new Map<number, Map<string, AttachMode>>()
  /** Steps per type code (null: not built yet), rebuilt on any change. */
  #plans = new Map<number, readonly Step[]>()
  #observers: readonly Step[] = NO_STEPS
  /** Plugins with an outbound hook, registration order. */
  #senders: readonly Entry[] = NO_ENTRIES
  /** Messages in the plugins' queues (dispatched to a lane, not yet handed on, dropped or handled). */
  #pending = 0
  /** The last plugin is gone but messages are still queued: the owner routes through here until they are out. */
  #draining = false
  readonly #settled = (): void => this.#left()
  readonly #lanes = new WeakMap<DispatchQueue, Lane<C>>()
  #last: Lane<C> | undefined = undefined
  readonly #router: Router<Lane<C>>

  constructor(backend: PluginBackend<C>) {
    this.#backend = backend
    this.#router = new Router<Lane<C>>({
      concurrency: 1,
      logger: backend.logger,
      onError: (error: Error) => {
        this.errors++
        backend.logger.error(`plugin dispatch: ${error.message}`)
      },
      // A lane's queue full: that message is dropped (reported through onError above), so it is not pending.
      onOverflow: (error: Error) => {
        this.#left()
        this.errors++
        backend.logger.error(`plugin dispatch: ${error.message}`)
      },
    })
    this.#router.setReceiveCallback((response, lane) => {
      const held = lane.hold
      if (held !== undefined) {
        // An inline run went async: the lane waits for it here, so later messages queue behind it.
        lane.hold = undefined
        return (held as Promise<unknown>).then(this.#settled, this.#settled)
      }
      const out = this.#steps(this.#plan(response), 0, response, lane)
      if (!isThenable(out)) {
        this.#left()
        return out
      }
      return out.then(this.#settled, this.#settled)
    })
  }

  get size(): number {
    return this.#entries.size
  }

  names(): string[] {
    return [...this.#entries.keys()]
  }

  get(name: string): VeltixBasePlugin | undefined {
    return this.#entries.get(name)?.plugin
  }

  register(plugin: VeltixBasePlugin): boolean {
    const name = plugin.name
    if (typeof name !== 'string' || name === '') throw new TypeError('a plugin needs a non-empty name')
    if (this.#entries.has(name)) return false
    const entry = new Entry(plugin)
    this.#entries.set(name, entry)
    this.#changed()
    if (this.#entries.size === 1) {
      if (this.#draining) this.#draining = false
      else this.#backend.active(true)
    }
    const ctx = this.#context(entry)
    plugin.ctx = ctx
    this.#call(entry, 'onRegister', plugin.onRegister, ctx)
    return true
  }

  unregister(name: string): boolean {
    const entry = this.#entries.get(name)
    if (entry === undefined) return false
    entry.registered = false
    this.#entries.delete(name)
    for (const [code, m] of this.#attached) {
      m.delete(name)
      if (m.size === 0) this.#attached.delete(code)
    }
    this.#changed()
    this.#call(entry, 'onUnregister', entry.plugin.onUnregister)
    entry.plugin.ctx = undefined
    if (this.#entries.size === 0) {
      // Messages still queued behind a plugin's async hook: later ones must queue behind them, not overtake.
      if (this.#pending === 0) this.#backend.active(false)
      else this.#draining = true
    }
    return true
  }

  /** A message left the plugins' queues; the last one out after the last plugin went switches them off. */
  #left(): void {
    if (--this.#pending === 0 && this.#draining) {
      this.#draining = false
      this.#backend.active(false)
    }
  }

  /**
   * Attaches a plugin to a type (registering it first if it is not). False when the plugin's name is taken by
   * another plugin, or when `mode` is EXCLUSIVE and another plugin holds the type exclusively.
   */
  attach(type: MessageType | number, plugin: VeltixBasePlugin, mode: AttachMode): boolean {
    if (mode !== AttachMode.EXCLUSIVE && mode !== AttachMode.OBSERVE && mode !== AttachMode.INTERCEPT)
      throw new TypeError(`attach: unknown mode ${String(mode)}`)
    const current = this.#entries.get(plugin.name)
    if (current !== undefined && current.plugin !== plugin) return false
    const code = typeof type === 'number' ? type : type.code
    const m = this.#attached.get(code)
    if (mode === AttachMode.EXCLUSIVE && m !== undefined) {
      for (const [n, md] of m) if (md === AttachMode.EXCLUSIVE && n !== plugin.name) return false
    }
    if (current === undefined) this.register(plugin)
    if (typeof type !== 'number') this.#backend.declare(type)
    if (m === undefined) this.#attached.set(code, new Map([[plugin.name, mode]]))
    else m.set(plugin.name, mode)
    this.#changed()
    return true
  }

  /** One application message of the connection `queue` belongs to. */
  message(queue: DispatchQueue, response: Response, client: C): void {
    // The last connection's lane is kept at hand: a burst from one connection skips the WeakMap.
    let lane = this.#last
    if (lane === undefined || lane.queue !== queue) {
      lane = this.#lanes.get(queue)
      if (lane === undefined) {
        lane = new Lane(queue, client)
        this.#lanes.set(queue, lane)
      }
      this.#last = lane
    }
    if (lane.closed) return
    if (lane.inline) {
      // Re-entrant (a hook caused a message of the same connection): after the one running now.
      if (lane.later === undefined) lane.later = [response]
      else lane.later.push(response)
      return
    }
    if (lane.active !== 0 || lane.size !== 0) {
      // An async hook holds the lane: wait behind it, in order.
      this.#pending++
      this.#router.dispatch(lane, response, lane)
      return
    }
    // The lane is idle: the hooks run inline, no router job. Only when one returns a promise does the lane
    // take the message (held by that promise), so per-connection order is kept exactly.
    lane.inline = true
    const out = this.#steps(this.#plan(response), 0, response, lane)
    lane.inline = false
    if (isThenable(out) && !lane.closed) {
      lane.hold = out
      this.#pending++
      this.#router.dispatch(lane, response, lane)
    }
    const later = lane.later
    if (later !== undefined) {
      lane.later = undefined
      for (const r of later) this.message(lane.queue, r, lane.client)
    }
  }

  /** OUTBOUND: an application message was handed to `client`'s connection. */
  sent(request: Request, client: C): void {
    for (const e of this.#senders) this.#call(e, 'onSend', e.plugin.onSend, request, client)
  }

  /**
   * OUTBOUND: a `sendAndWait` to `client` was started; returns the promise to hand to the caller (it settles
   * as `reply` does, after the plugins' `onReply`; a rejection the caller leaves unhandled stays unhandled).
   */
  request<R extends Response | null>(request: Request, client: C, reply: Promise<R>): Promise<R> {
    this.sent(request, client)
    return reply.then(
      (r) => {
        this.#replied(request, r, client)
        return r
      },
      (error: unknown) => {
        this.#replied(request, null, client)
        throw error
      },
    )
  }

  #replied(request: Request, reply: Response | null, client: C): void {
    for (const e of this.#senders) {
      if (e.registered) this.#call(e, 'onReply', e.plugin.onReply, request, reply, client)
    }
  }

  /** CONNECTIONS: a connection that never completed its handshake ended. */
  connectFailed(info: PluginDisconnectInfo): void {
    for (const e of this.#entries.values()) {
      if (e.connections) this.#call(e, 'onConnectFailed', e.plugin.onConnectFailed, info)
    }
  }

  connect(client: C): void {
    for (const e of this.#entries.values()) {
      if (e.connections) this.#call(e, 'onConnect', e.plugin.onConnect, client)
    }
  }

  disconnect(client: C, info: PluginDisconnectInfo, queue?: DispatchQueue): void {
    if (queue !== undefined) {
      const lane = this.#lanes.get(queue)
      // Its waiting messages are dropped: they leave the plugins' queues.
      if (lane !== undefined) for (let n = lane.close(); n > 0; n--) this.#left()
    }
    if (this.#last?.queue === queue) this.#last = undefined
    for (const e of this.#entries.values()) {
      if (e.connections) this.#call(e, 'onDisconnect', e.plugin.onDisconnect, client, info)
    }
  }

  // --- dispatch ----------------------------------------------------------------------------------------

  /** The steps for a message: plugins in registration order (INTERCEPT / OBSERVE), the EXCLUSIVE one last. */
  #plan(response: Response): readonly Step[] {
    const code = response.type.code
    const p = this.#plans.get(code)
    if (p !== undefined) return p
    const m = this.#attached.get(code)
    if (m === undefined) return this.#observers
    const steps: Step[] = []
    let exclusive: Step | undefined
    for (const [name, entry] of this.#entries) {
      const mode = m.get(name) ?? (entry.messages ? AttachMode.OBSERVE : undefined)
      if (mode === undefined) continue
      if (mode === AttachMode.EXCLUSIVE) exclusive = { entry, mode }
      else steps.push({ entry, mode })
    }
    if (exclusive !== undefined) steps.push(exclusive)
    this.#plans.set(code, steps)
    return steps
  }

  #changed(): void {
    const wire: PluginWire = {}
    for (const { plugin } of this.#entries.values()) {
      if (plugin.wire?.compression !== undefined) wire.compression ??= plugin.wire.compression
    }
    this.wire = wire
    this.#backend.wire?.(wire)
    this.#plans = new Map()
    const obs: Step[] = []
    for (const entry of this.#entries.values())
      if (entry.messages) obs.push({ entry, mode: AttachMode.OBSERVE })
    this.#observers = obs.length === 0 ? NO_STEPS : obs
    const had = this.#senders.length > 0
    const senders = [...this.#entries.values()].filter((e) => e.outbound)
    this.#senders = senders.length === 0 ? NO_ENTRIES : senders
    if (had !== senders.length > 0) this.#backend.outbound(!had)
  }

  /** Runs steps `i..` for one message; a promise while a hook is pending (the lane waits for it). */
  #steps(steps: readonly Step[], i: number, response: Response, lane: Lane<C>): unknown {
    for (; i < steps.length; i++) {
      const { entry, mode } = steps[i]!
      if (!entry.registered) continue // unregistered while the message was on its way
      const hook = entry.plugin.onMessage
      if (hook === undefined) continue
      if (mode === AttachMode.INTERCEPT) return this.#intercept(steps, i, entry, response, lane)
      const out = this.#call(entry, 'onMessage', hook, response, lane.client, noop)
      if (mode === AttachMode.EXCLUSIVE) return out === THREW ? undefined : out
      if (isThenable(out)) {
        const at = i + 1
        return out.then(() => this.#steps(steps, at, response, lane))
      }
    }
    this.#backend.deliver(lane.queue, response, lane.client)
    return undefined
  }

  #intercept(steps: readonly Step[], i: number, entry: Entry, response: Response, lane: Lane<C>): unknown {
    // 0: waiting for next(), 1: passed on, 2: dropped (the hook settled without next()).
    let state = 0
    let passed = response
    let later: ((v: unknown) => void) | undefined
    const next = (changed?: Response): void => {
      if (state !== 0) return
      state = 1
      if (changed !== undefined) passed = changed
      if (later !== undefined) later(this.#steps(steps, i + 1, passed, lane))
    }
    const out = this.#call(entry, 'onMessage', entry.plugin.onMessage, response, lane.client, next)
    // A hook that threw passes the message on unchanged: a broken plugin must not eat the traffic.
    if (out === THREW && state === 0) state = 1
    if (state === 1) return this.#steps(steps, i + 1, passed, lane)
    if (!isThenable(out)) return undefined
    return new Promise((resolve) => {
      later = resolve
      out.then((v) => {
        if (v === THREW) next()
        else if (state === 0) {
          state = 2
          resolve(undefined)
        }
      })
    })
  }

  /**
   * Calls a hook, isolated: a throw or a rejection is logged and counted. Returns the hook's result: THREW,
   * a value, or a promise that never rejects (it resolves THREW for a rejection).
   */
  #call<A extends unknown[]>(
    entry: Entry,
    what: string,
    fn: ((...args: A) => unknown) | undefined,
    ...args: A
  ): unknown {
    if (fn === undefined) return undefined
    let out: unknown
    try {
      out = fn.apply(entry.plugin, args)
    } catch (error) {
      this.#failed(entry, what, error)
      return THREW
    }
    if (isThenable(out)) {
      return Promise.resolve(out).then(undefined, (error: unknown) => {
        this.#failed(entry, what, error)
        return THREW
      })
    }
    return out
  }

  #failed(entry: Entry, what: string, error: unknown): void {
    this.errors++
    const err = error instanceof Error ? error : new Error(String(error))
    this.#backend.logger.error(`plugin '${entry.plugin.name}' ${what} failed: ${err.name}: ${err.message}`, {
      error: err.stack ?? err.message,
    })
  }

  // --- context -----------------------------------------------------------------------------------------

  #context(entry: Entry): PluginContext<C> {
    const b = this.#backend
    const name = entry.plugin.name
    const perms = entry.plugin.permissions
    const need = (p: Permission, what: string): void => {
      if (!perms.includes(p)) throw new PluginPermissionError(name, p, what)
    }
    return {
      logger: b.logger,
      side: b.side,
      send: (request, client) => {
        need(Permission.SEND, 'ctx.send')
        return b.send(request, client)
      },
      broadcast: (request) => {
        need(Permission.SEND, 'ctx.broadcast')
        return b.broadcast(request)
      },
      tags: (client) => {
        need(Permission.TAGS, 'ctx.tags')
        return b.tags(client)
      },
      close: (client) => {
        need(Permission.CLOSE, 'ctx.close')
        return b.close(client)
      },
      stats: () => b.stats(),
    }
  }
}
