import type { MessageType, Response } from '@veltix/codec'
import { type LoggerLike, noopLogger } from '@veltix/logger'
import { DEFAULT_CONCURRENCY, DEFAULT_MAX_QUEUED } from './constants.js'
import { DispatchQueueFullError, HandlerError } from './errors.js'

/** A route or receive callback: sync, or async (a returned promise is awaited for ordering). */
export type RouteHandler<Ctx> = (response: Response, ctx: Ctx) => unknown

export interface RouterInit<Ctx> {
  /** Per-connection limit on async handlers running at once; default DEFAULT_CONCURRENCY (1 = strict order). */
  concurrency?: number
  /** Per-connection limit on messages waiting behind busy handlers; default DEFAULT_MAX_QUEUED (10 000). */
  maxQueued?: number
  logger?: LoggerLike
  /** A handler threw or rejected (already logged with the type and `describe(ctx)`). */
  onError?(error: unknown, response: Response, ctx: Ctx): void
  /** No route and no receive callback: called once per type code (later ones are only counted). */
  onUnhandled?(response: Response, ctx: Ctx): void
  /** A connection's queue is full; default: reported through onError as `DispatchQueueFullError`. */
  onOverflow?(error: DispatchQueueFullError, response: Response, ctx: Ctx, queue: DispatchQueue): void
  /** How a context is named in logs (e.g. "10.0.0.7:51234"). */
  describe?(ctx: Ctx): string
}

export interface RouterStats {
  dispatched: number
  unhandled: number
  errors: number
  overflowed: number
}

interface Job {
  handler: RouteHandler<never>
  response: Response
  ctx: unknown
}

/**
 * One connection's dispatch state: how many handlers are running and the messages waiting behind them.
 * Create one per connection with `router.createQueue()`; `close()` it when the connection closes.
 */
export class DispatchQueue {
  /** Handlers of this connection running now (a sync one counts while it runs). */
  active = 0
  // Created on the first message that has to wait: an idle connection (or one whose handlers keep up) has none.
  #jobs: Job[] | undefined = undefined
  #head = 0
  #closed = false

  /** Messages waiting. */
  get size(): number {
    return this.#jobs === undefined ? 0 : this.#jobs.length - this.#head
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Drops the waiting messages (returns how many) and refuses new ones; running handlers finish. */
  close(): number {
    const n = this.size
    this.#closed = true
    this.#jobs = undefined
    this.#head = 0
    return n
  }

  /** @internal */
  push(job: Job): void {
    if (this.#jobs === undefined) this.#jobs = [job]
    else this.#jobs.push(job)
  }

  /** @internal */
  shift(): Job | undefined {
    const jobs = this.#jobs
    if (jobs === undefined || this.#head >= jobs.length) return undefined
    const job = jobs[this.#head]!
    jobs[this.#head++] = undefined as unknown as Job
    if (this.#head === jobs.length) {
      this.#jobs = undefined
      this.#head = 0
    } else if (this.#head >= 1024 && this.#head * 2 >= jobs.length) {
      this.#jobs = jobs.slice(this.#head)
      this.#head = 0
    }
    return job
  }
}

const NO_ROUTES = new Map<number, never>()

const codeOf = (type: MessageType | number): number => (typeof type === 'number' ? type : type.code)

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === 'object' || typeof v === 'function') &&
    typeof (v as { then?: unknown }).then === 'function'
  )
}

/**
 * Routes messages by type code: route > receive callback > unhandled (reported once per code). Messages of
 * one connection reach handlers in order through that connection's `DispatchQueue`; a sync handler on an idle
 * queue runs inline (nothing allocated); an async one holds the queue until it settles (or up to
 * `concurrency` of them run at once). A handler that throws or rejects is reported and affects nothing else.
 */
export class Router<Ctx = unknown> {
  readonly stats: RouterStats = { dispatched: 0, unhandled: 0, errors: 0, overflowed: 0 }
  // The shared empty map until the first route (a router with no routes allocates none); never written to.
  #routes = NO_ROUTES as Map<number, RouteHandler<Ctx>>
  /** Codes already reported as unhandled (created on the first: most routers never need it). */
  #warned: Set<number> | undefined
  #receive: RouteHandler<Ctx> | undefined
  readonly #concurrency: number
  readonly #maxQueued: number
  readonly #log: LoggerLike
  readonly #init: RouterInit<Ctx>

  constructor(init: RouterInit<Ctx> = {}) {
    this.#init = init
    const c = init.concurrency ?? DEFAULT_CONCURRENCY
    if (!(c >= 1)) throw new RangeError(`concurrency must be >= 1, got ${c}`)
    this.#concurrency = c
    this.#maxQueued = init.maxQueued ?? DEFAULT_MAX_QUEUED
    this.#log = init.logger ?? noopLogger
  }

  /** Same as `registerRoute`. */
  route(type: MessageType | number, handler: RouteHandler<Ctx>): boolean {
    return this.registerRoute(type, handler)
  }

  /** Adds a route; false (and nothing changes) when that code already has one. */
  registerRoute(type: MessageType | number, handler: RouteHandler<Ctx>): boolean {
    const code = codeOf(type)
    if (this.#routes.has(code)) return false
    if (this.#routes === NO_ROUTES) this.#routes = new Map()
    this.#routes.set(code, handler)
    return true
  }

  /** Removes a route; false when there was none. */
  unregisterRoute(type: MessageType | number): boolean {
    return this.#routes.delete(codeOf(type))
  }

  getRoute(type: MessageType | number): RouteHandler<Ctx> | undefined {
    return this.#routes.get(codeOf(type))
  }

  hasRoute(type: MessageType | number): boolean {
    return this.#routes.has(codeOf(type))
  }

  /** Codes that have a route, ascending. */
  routes(): number[] {
    return [...this.#routes.keys()].sort((a, b) => a - b)
  }

  /** The general receive callback (ON_RECV), used when a message's type has no route. */
  setReceiveCallback(cb: RouteHandler<Ctx> | undefined): void {
    this.#receive = cb
  }

  createQueue(): DispatchQueue {
    return new DispatchQueue()
  }

  /**
   * Dispatches one message of the connection `queue` belongs to. The handler is chosen now (route, else the
   * receive callback); it runs now if the queue is idle, else after the messages before it.
   */
  dispatch(queue: DispatchQueue, response: Response, ctx: Ctx): void {
    const handler = this.#routes.get(response.type.code) ?? this.#receive
    if (handler === undefined) {
      this.#unhandled(response, ctx)
      return
    }
    if (queue.closed) return
    this.stats.dispatched++
    if (queue.active < this.#concurrency && queue.size === 0) {
      // The fast path, inlined (a sync handler on an idle queue: nothing allocated).
      queue.active++
      let result: unknown
      try {
        result = handler(response, ctx)
      } catch (error) {
        this.#report(new HandlerError(response.type.code, response.type.name, error), response, ctx)
        this.#done(queue)
        return
      }
      if (isThenable(result)) this.#await(queue, result, response, ctx)
      else if (queue.size === 0) queue.active--
      else this.#done(queue)
      return
    }
    if (queue.size >= this.#maxQueued) {
      this.stats.overflowed++
      const error = new DispatchQueueFullError(response.type.code, this.#maxQueued)
      const onOverflow = this.#init.onOverflow
      if (onOverflow !== undefined) {
        try {
          onOverflow(error, response, ctx, queue)
        } catch (e) {
          this.#log.error(() => `onOverflow threw: ${String(e)}`)
        }
      } else {
        this.#report(error, response, ctx)
      }
      return
    }
    queue.push({ handler: handler as RouteHandler<never>, response, ctx })
  }

  #run(queue: DispatchQueue, handler: RouteHandler<Ctx>, response: Response, ctx: Ctx): void {
    // Counted while a sync handler runs too, so a message dispatched re-entrantly from inside it waits its turn.
    queue.active++
    let result: unknown
    try {
      result = handler(response, ctx)
    } catch (error) {
      this.#report(new HandlerError(response.type.code, response.type.name, error), response, ctx)
      this.#done(queue)
      return
    }
    if (isThenable(result)) {
      this.#await(queue, result, response, ctx)
      return
    }
    this.#done(queue)
  }

  #await(queue: DispatchQueue, result: PromiseLike<unknown>, response: Response, ctx: Ctx): void {
    result.then(
      () => this.#done(queue),
      (error: unknown) => {
        this.#report(new HandlerError(response.type.code, response.type.name, error), response, ctx)
        this.#done(queue)
      },
    )
  }

  #done(queue: DispatchQueue): void {
    queue.active--
    while (!queue.closed && queue.active < this.#concurrency) {
      const job = queue.shift()
      if (job === undefined) break
      this.#run(queue, job.handler as RouteHandler<Ctx>, job.response, job.ctx as Ctx)
    }
  }

  #unhandled(response: Response, ctx: Ctx): void {
    this.stats.unhandled++
    const code = response.type.code
    this.#warned ??= new Set<number>()
    const warned = this.#warned
    if (warned.has(code)) return
    warned.add(code)
    this.#log.warning(
      () =>
        `no route and no receive callback for ${response.type.name}(${code}); later ones of this type are not reported`,
      this.#ctxInfo(ctx, code),
    )
    try {
      this.#init.onUnhandled?.(response, ctx)
    } catch (e) {
      this.#log.error(() => `onUnhandled threw: ${String(e)}`)
    }
  }

  #report(error: Error, response: Response, ctx: Ctx): void {
    this.stats.errors++
    this.#log.error(() => error.message, this.#ctxInfo(ctx, response.type.code))
    try {
      this.#init.onError?.(error, response, ctx)
    } catch (e) {
      this.#log.error(() => `onError threw: ${String(e)}`)
    }
  }

  #ctxInfo(ctx: Ctx, code: number): Record<string, unknown> {
    const describe = this.#init.describe
    if (describe === undefined) return { code }
    try {
      return { code, conn: describe(ctx) }
    } catch {
      return { code }
    }
  }
}
