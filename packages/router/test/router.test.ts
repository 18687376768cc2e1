import { MessageType, Response } from '@veltix/codec'
import { describe, expect, it } from 'vitest'
import { DispatchQueue, DispatchQueueFullError, HandlerError, Router } from '../src/index.js'

const CHAT = new MessageType(200, 'chat')
const ECHO = new MessageType(201, 'echo')
const OTHER = new MessageType(300, 'other')

let nextId = 1
function msg(type: MessageType, text = ''): Response {
  return new Response(type, {
    code: type.code,
    requestId: nextId++,
    timestamp: Date.now(),
    payload: new TextEncoder().encode(text),
  })
}

function deferred() {
  let resolve!: () => void
  let reject!: (e: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

const flush = () => new Promise((r) => setImmediate(r))

describe('routes', () => {
  it('registerRoute / route return false when the code already has a route; unregisterRoute false when none', () => {
    const r = new Router()
    const h = () => {}
    expect(r.route(CHAT, h)).toBe(true)
    expect(r.registerRoute(CHAT, () => {})).toBe(false)
    expect(r.registerRoute(200, () => {})).toBe(false)
    expect(r.getRoute(200)).toBe(h)
    expect(r.hasRoute(CHAT)).toBe(true)
    expect(r.routes()).toEqual([200])
    expect(r.unregisterRoute(CHAT)).toBe(true)
    expect(r.unregisterRoute(CHAT)).toBe(false)
    expect(r.hasRoute(200)).toBe(false)
  })

  it('a route beats the receive callback; the callback gets the rest; then unhandled, reported once per code', () => {
    const unhandled: number[] = []
    const r = new Router<string>({ onUnhandled: (res) => unhandled.push(res.type.code) })
    const seen: string[] = []
    const q = r.createQueue()
    r.dispatch(q, msg(CHAT), 'c')
    r.dispatch(q, msg(CHAT), 'c')
    r.dispatch(q, msg(OTHER), 'c')
    expect(unhandled).toEqual([200, 300])
    expect(r.stats.unhandled).toBe(3)
    r.route(CHAT, (res, ctx) => seen.push(`route:${res.type.code}:${ctx}`))
    r.setReceiveCallback((res, ctx) => seen.push(`recv:${res.type.code}:${ctx}`))
    r.dispatch(q, msg(CHAT), 'c')
    r.dispatch(q, msg(ECHO), 'c')
    expect(seen).toEqual(['route:200:c', 'recv:201:c'])
  })

  it('a sync handler on an idle queue runs inline, during dispatch', () => {
    const r = new Router()
    let ran = false
    r.route(CHAT, () => {
      ran = true
    })
    r.dispatch(r.createQueue(), msg(CHAT), undefined)
    expect(ran).toBe(true)
  })
})

describe('ordering and concurrency', () => {
  it('async handlers of one connection run in order; another connection is not held up', async () => {
    const r = new Router<string>()
    const log: string[] = []
    const gate = deferred()
    r.route(CHAT, async (res, ctx) => {
      log.push(`start ${ctx} ${res.text()}`)
      if (res.text() === '1') await gate.promise
      log.push(`end ${ctx} ${res.text()}`)
    })
    const qa = r.createQueue()
    const qb = r.createQueue()
    r.dispatch(qa, msg(CHAT, '1'), 'a')
    r.dispatch(qa, msg(CHAT, '2'), 'a')
    r.dispatch(qb, msg(CHAT, '3'), 'b')
    await flush()
    expect(log).toEqual(['start a 1', 'start b 3', 'end b 3'])
    expect(qa.size).toBe(1)
    gate.resolve()
    await flush()
    expect(log).toEqual(['start a 1', 'start b 3', 'end b 3', 'end a 1', 'start a 2', 'end a 2'])
    expect(qa.size).toBe(0)
    expect(qa.active).toBe(0)
  })

  it('sync messages behind a busy async handler wait their turn', async () => {
    const r = new Router()
    const log: string[] = []
    const gate = deferred()
    r.route(CHAT, async () => {
      log.push('async')
      await gate.promise
    })
    r.route(ECHO, (res) => {
      log.push(`sync ${res.text()}`)
    })
    const q = r.createQueue()
    r.dispatch(q, msg(CHAT), undefined)
    r.dispatch(q, msg(ECHO, 'a'), undefined)
    r.dispatch(q, msg(ECHO, 'b'), undefined)
    expect(log).toEqual(['async'])
    gate.resolve()
    await flush()
    expect(log).toEqual(['async', 'sync a', 'sync b'])
  })

  it('concurrency: up to N async handlers of one connection at once, started in order', async () => {
    const r = new Router({ concurrency: 2 })
    const gates = [deferred(), deferred(), deferred()]
    const started: number[] = []
    r.route(CHAT, async (res) => {
      const i = Number(res.text())
      started.push(i)
      await gates[i]!.promise
    })
    const q = r.createQueue()
    for (const i of [0, 1, 2]) r.dispatch(q, msg(CHAT, String(i)), undefined)
    await flush()
    expect(started).toEqual([0, 1])
    gates[1]!.resolve()
    await flush()
    expect(started).toEqual([0, 1, 2])
    gates[0]!.resolve()
    gates[2]!.resolve()
    await flush()
    expect(q.active).toBe(0)
  })

  it('a message dispatched re-entrantly from inside a sync handler runs after it', () => {
    const r = new Router()
    const log: string[] = []
    const q = r.createQueue()
    r.route(CHAT, (res) => {
      log.push(`in ${res.text()}`)
      if (res.text() === '1') r.dispatch(q, msg(CHAT, '2'), undefined)
      log.push(`out ${res.text()}`)
    })
    r.dispatch(q, msg(CHAT, '1'), undefined)
    expect(log).toEqual(['in 1', 'out 1', 'in 2', 'out 2'])
  })
})

describe('failures', () => {
  it('a throwing or rejecting handler is reported with the type code and affects nothing else', async () => {
    const errors: { err: unknown; code: number; ctx: string }[] = []
    const r = new Router<string>({
      onError: (err, res, ctx) => errors.push({ err, code: res.type.code, ctx }),
    })
    const ok: string[] = []
    r.route(CHAT, () => {
      throw new Error('sync boom')
    })
    r.route(ECHO, async () => {
      throw new Error('async boom')
    })
    r.route(OTHER, (res) => {
      ok.push(res.text())
    })
    const q = r.createQueue()
    r.dispatch(q, msg(CHAT), 'peer')
    r.dispatch(q, msg(ECHO), 'peer')
    r.dispatch(q, msg(OTHER, 'after'), 'peer')
    await flush()
    expect(ok).toEqual(['after'])
    expect(errors.map((e) => [e.code, e.ctx])).toEqual([
      [200, 'peer'],
      [201, 'peer'],
    ])
    expect(errors[0]!.err).toBeInstanceOf(HandlerError)
    expect((errors[1]!.err as HandlerError).cause).toEqual(new Error('async boom'))
    expect(r.stats.errors).toBe(2)
    expect(q.active).toBe(0)
  })

  it('an onError that throws does not break dispatch', () => {
    const r = new Router({
      onError: () => {
        throw new Error('bad reporter')
      },
    })
    const ok: number[] = []
    r.route(CHAT, () => {
      throw new Error('x')
    })
    r.route(ECHO, () => ok.push(1))
    const q = r.createQueue()
    r.dispatch(q, msg(CHAT), undefined)
    r.dispatch(q, msg(ECHO), undefined)
    expect(ok).toEqual([1])
  })

  it('past maxQueued a message is refused with DispatchQueueFullError through onOverflow', async () => {
    const overflow: DispatchQueueFullError[] = []
    const r = new Router({ maxQueued: 2, onOverflow: (e) => overflow.push(e) })
    const gate = deferred()
    const seen: string[] = []
    r.route(CHAT, async (res) => {
      seen.push(res.text())
      await gate.promise
    })
    const q = r.createQueue()
    for (const t of ['0', '1', '2', '3']) r.dispatch(q, msg(CHAT, t), undefined)
    expect(overflow).toHaveLength(1)
    expect(overflow[0]).toBeInstanceOf(DispatchQueueFullError)
    expect(overflow[0]!.messageCode).toBe(200)
    gate.resolve()
    await flush()
    expect(seen).toEqual(['0', '1', '2'])
  })

  it('without onOverflow the overflow goes to onError', () => {
    const errors: unknown[] = []
    const r = new Router({ maxQueued: 0, onError: (e) => errors.push(e) })
    r.route(CHAT, () => new Promise(() => {}))
    const q = r.createQueue()
    r.dispatch(q, msg(CHAT), undefined)
    r.dispatch(q, msg(CHAT), undefined)
    expect(errors[0]).toBeInstanceOf(DispatchQueueFullError)
  })

  it('a closed queue drops what waits and refuses new messages', async () => {
    const r = new Router()
    const gate = deferred()
    const seen: string[] = []
    r.route(CHAT, async (res) => {
      seen.push(res.text())
      await gate.promise
    })
    const q = r.createQueue()
    r.dispatch(q, msg(CHAT, 'a'), undefined)
    r.dispatch(q, msg(CHAT, 'b'), undefined)
    expect(q.close()).toBe(1)
    r.dispatch(q, msg(CHAT, 'c'), undefined)
    gate.resolve()
    await flush()
    expect(seen).toEqual(['a'])
  })

  it('concurrency below 1 is a RangeError', () => {
    expect(() => new Router({ concurrency: 0 })).toThrow(RangeError)
  })
})

describe('DispatchQueue subclasses', () => {
  it('a subclass (e.g. a per-connection record) works as the queue; waiting jobs run in order, close drops them', async () => {
    class Conn extends DispatchQueue {
      readonly name = 'c1'
    }
    const type = new MessageType(250, 'sub')
    const router = new Router<string>()
    const seen: string[] = []
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    router.route(type, async (res) => {
      seen.push(res.text())
      if (res.text() === 'a') await gate
    })
    const q = new Conn()
    expect(q.size).toBe(0)
    const frame = (t: string) =>
      new Response(type, { code: 250, requestId: 1, timestamp: 0, payload: new TextEncoder().encode(t) })
    router.dispatch(q, frame('a'), q.name)
    router.dispatch(q, frame('b'), q.name)
    router.dispatch(q, frame('c'), q.name)
    expect(q.size).toBe(2)
    release()
    await new Promise((r) => setTimeout(r, 10))
    expect(seen).toEqual(['a', 'b', 'c'])
    expect(q.size).toBe(0)
    expect(q.active).toBe(0)
    expect(q.close()).toBe(0)
  })
})
