import { MessageType, Response } from '@veltix/codec'
import { describe, expect, it } from 'vitest'
import {
  declaredRoutes,
  handles,
  RouteConflictError,
  Router,
  registerHandlers,
  unregisterHandlers,
} from '../src/index.js'

const CHAT = new MessageType(200, 'chat')
const ECHO = new MessageType(201, 'echo')

function msg(type: MessageType, text = ''): Response {
  return new Response(type, {
    code: type.code,
    requestId: 1,
    timestamp: 0,
    payload: new TextEncoder().encode(text),
  })
}

class ChatHandlers {
  readonly log: string[] = []
  constructor(readonly prefix: string) {}

  @handles(CHAT)
  onChat(response: Response, ctx: string): void {
    this.log.push(`${this.prefix} chat ${response.text()} from ${ctx}`)
  }

  @handles(201)
  async onEcho(response: Response): Promise<void> {
    await Promise.resolve()
    this.log.push(`${this.prefix} echo ${response.text()}`)
  }

  notARoute(): void {}
}

const SECRET = new MessageType(202, 'secret')

class PrivateHandlers {
  readonly log: string[] = []

  @handles(SECRET)
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: reached through the decorator
  #onSecret(response: Response): void {
    this.log.push(`secret ${response.text()}`)
  }
}

describe('@handles', () => {
  it('registers decorated methods bound to their instance', async () => {
    const router = new Router<string>()
    const h = new ChatHandlers('A')
    expect(declaredRoutes(h)).toEqual([200, 201])
    expect(registerHandlers(router, h)).toBe(2)
    const q = router.createQueue()
    router.dispatch(q, msg(CHAT, 'hi'), 'peer')
    router.dispatch(q, msg(ECHO, 'yo'), 'peer')
    await new Promise((r) => setImmediate(r))
    expect(h.log).toEqual(['A chat hi from peer', 'A echo yo'])
  })

  it('a conflict throws RouteConflictError and registers nothing', () => {
    const router = new Router()
    router.route(ECHO, () => {})
    expect(() => registerHandlers(router, new ChatHandlers('B'))).toThrow(RouteConflictError)
    expect(router.hasRoute(CHAT)).toBe(false)
  })

  it('unregisterHandlers removes only what registerHandlers added', () => {
    const router = new Router()
    const h = new ChatHandlers('C')
    registerHandlers(router, h)
    router.unregisterRoute(CHAT)
    const mine = () => {}
    router.route(CHAT, mine)
    expect(unregisterHandlers(router, h)).toBe(1)
    expect(router.getRoute(CHAT)).toBe(mine)
    expect(router.hasRoute(ECHO)).toBe(false)
  })

  it('works on #private methods', () => {
    const router = new Router()
    const h = new PrivateHandlers()
    registerHandlers(router, h)
    router.dispatch(router.createQueue(), msg(SECRET, 's'), undefined)
    expect(h.log).toEqual(['secret s'])
  })

  it('each instance declares its own routes', () => {
    const a = new ChatHandlers('a')
    const b = new ChatHandlers('b')
    const ra = new Router<string>()
    const rb = new Router<string>()
    registerHandlers(ra, a)
    registerHandlers(rb, b)
    ra.dispatch(ra.createQueue(), msg(CHAT, 'x'), 'p')
    expect(a.log).toEqual(['a chat x from p'])
    expect(b.log).toEqual([])
  })
})
