import type { MessageType, Response } from '@veltix/codec'
import { RouteConflictError } from './errors.js'
import type { RouteHandler, Router } from './router.js'

interface Declared {
  code: number
  get(instance: object): (response: Response, ctx: unknown) => unknown
}

const declared = new WeakMap<object, Declared[]>()
// What registerHandlers added, so unregisterHandlers removes only those (not a route registered since).
const added = new WeakMap<object, { router: object; code: number; fn: unknown }[]>()

/**
 * Method decorator (TypeScript 5 standard decorators; no `experimentalDecorators`): marks an instance method as
 * the handler of `type`. Register an instance's marked methods with `registerHandlers(router, instance)`.
 *
 * @example
 * ```ts
 * class ChatHandlers {
 *   @handles(CHAT)
 *   onChat(response: Response, client: ClientInfo) { ... }
 * }
 * registerHandlers(router, new ChatHandlers())
 * ```
 */
export function handles(type: MessageType | number) {
  const code = typeof type === 'number' ? type : type.code
  // biome-ignore lint/suspicious/noExplicitAny: the context parameter is the caller's type; TS's decorator context demands `any` here
  return <This extends object, F extends (this: This, response: Response, ...rest: any[]) => unknown>(
    _method: F,
    context: ClassMethodDecoratorContext<This, F>,
  ): void => {
    if (context.static) throw new TypeError(`@handles(${code}) applies to instance methods, not static ones`)
    context.addInitializer(function (this: This) {
      let list = declared.get(this)
      if (list === undefined) {
        list = []
        declared.set(this, list)
      }
      list.push({ code, get: (i) => context.access.get(i as This) as unknown as ReturnType<Declared['get']> })
    })
  }
}

/** The type codes `instance`'s `@handles` methods declare. */
export function declaredRoutes(instance: object): number[] {
  return (declared.get(instance) ?? []).map((d) => d.code)
}

/**
 * Registers every `@handles` method of `instance` as a route (bound to `instance`). Throws
 * `RouteConflictError` — registering nothing — when one of the codes already has a route or is declared twice.
 * Returns how many routes were added.
 */
export function registerHandlers<Ctx>(router: Router<Ctx>, instance: object): number {
  const list = declared.get(instance) ?? []
  const seen = new Set<number>()
  for (const d of list) {
    if (router.hasRoute(d.code) || seen.has(d.code)) throw new RouteConflictError(d.code)
    seen.add(d.code)
  }
  let mine = added.get(instance)
  if (mine === undefined) {
    mine = []
    added.set(instance, mine)
  }
  for (const d of list) {
    const method = d.get(instance)
    const fn: RouteHandler<Ctx> = (response, ctx) => method.call(instance, response, ctx)
    router.registerRoute(d.code, fn)
    mine.push({ router, code: d.code, fn })
  }
  return list.length
}

/** Removes the routes `registerHandlers(router, instance)` added. Returns how many were removed. */
export function unregisterHandlers<Ctx>(router: Router<Ctx>, instance: object): number {
  const mine = added.get(instance)
  if (mine === undefined) return 0
  let n = 0
  for (let i = mine.length - 1; i >= 0; i--) {
    const a = mine[i]!
    if (a.router !== router) continue
    if (router.getRoute(a.code) === a.fn && router.unregisterRoute(a.code)) n++
    mine.splice(i, 1)
  }
  return n
}
