// The plugin system end to end on a loopback server and client: modes, permissions, isolation, ordering.
import { afterEach, describe, expect, it } from 'vitest'
import {
  AttachMode,
  type ClientInfo,
  MessageType,
  Permission,
  type PluginContext,
  PluginPermissionError,
  Request,
  Response,
  SocketCore,
  VeltixBasePlugin,
} from '../../src/index.js'
import { deferred, Fixture, waitFor } from '../helpers.js'

const CHAT = new MessageType(200, 'chat')
const FILE = new MessageType(201, 'file')
const OTHER = new MessageType(202, 'other')

/** A plugin that records every hook call; its onMessage behaviour is given per test. */
class Recorder extends VeltixBasePlugin {
  readonly name: string
  override readonly permissions: readonly Permission[]
  readonly seen: string[] = []
  readonly events: string[] = []
  onMsg: ((r: Response, client: unknown, next: (c?: Response) => void) => unknown) | undefined
  constructor(name: string, permissions: readonly Permission[] = [], onMsg?: Recorder['onMsg']) {
    super()
    this.name = name
    this.permissions = permissions
    this.onMsg = onMsg
  }
  override onRegister(ctx: PluginContext) {
    this.ctx = ctx
    this.events.push('register')
  }
  override onConnect() {
    this.events.push('connect')
  }
  override onDisconnect(_c: unknown, info: { reason: string }) {
    this.events.push(`disconnect:${info.reason}`)
  }
  override onMessage(r: Response, client: unknown, next: (c?: Response) => void) {
    this.seen.push(r.text())
    return this.onMsg?.(r, client, next)
  }
  override onUnregister() {
    this.events.push('unregister')
  }
}

describe.each([SocketCore.LOOP])('plugins on the %s core', (core) => {
  const fx = new Fixture(core)
  afterEach(() => fx.close())

  async function pair() {
    const server = fx.server()
    const got: string[] = []
    server.route(CHAT, (r) => {
      got.push(`chat:${r.text()}`)
    })
    server.route(FILE, (r) => {
      got.push(`file:${r.text()}`)
    })
    server.onRecv((_c, r) => {
      got.push(`recv:${r.text()}`)
    })
    await server.start()
    const client = fx.client(server)
    expect(await client.connect()).toBe(true)
    // The client is done once it sent its HELLO_ACK; the server once it read it.
    await waitFor(() => server.stats().clients === 1)
    return { server, client, got }
  }

  it('registerPlugin: true, then false for the same name; unregisterPlugin: true, then false', () => {
    const server = fx.server()
    const a = new Recorder('a')
    expect(server.registerPlugin(a)).toBe(true)
    expect(server.registerPlugin(new Recorder('a'))).toBe(false)
    expect(a.events).toEqual(['register'])
    expect(a.ctx?.side).toBe('server')
    expect(server.unregisterPlugin('a')).toBe(true)
    expect(server.unregisterPlugin('a')).toBe(false)
    expect(a.events).toEqual(['register', 'unregister'])
    expect(a.ctx).toBeUndefined()
  })

  it('EXCLUSIVE: the plugin handles the type, no route and no ON_RECV; other types are untouched', async () => {
    const { server, client, got } = await pair()
    const p = new Recorder('files')
    expect(server.attach(FILE, p, AttachMode.EXCLUSIVE)).toBe(true)
    // A second exclusive plugin on the same type is refused.
    expect(server.attach(FILE, new Recorder('other'), AttachMode.EXCLUSIVE)).toBe(false)
    client.send(new Request(FILE, 'f1'))
    client.send(new Request(CHAT, 'c1'))
    await waitFor(() => got.length === 1 && p.seen.length === 1)
    expect(p.seen).toEqual(['f1'])
    expect(got).toEqual(['chat:c1'])
  })

  it('OBSERVE: the plugin sees the message, then the route runs', async () => {
    const { server, client, got } = await pair()
    const p = new Recorder('obs')
    server.attach(CHAT, p, AttachMode.OBSERVE)
    client.send(new Request(CHAT, 'c1'))
    client.send(new Request(OTHER, 'o1'))
    await waitFor(() => got.length === 2)
    expect(p.seen).toEqual(['c1'])
    expect(got).toEqual(['chat:c1', 'recv:o1'])
  })

  it('INTERCEPT: next() passes, next(changed) changes, no next() drops', async () => {
    const { server, client, got } = await pair()
    const p = new Recorder('gate', [], (r, _c, next) => {
      const t = r.text()
      if (t === 'pass') next()
      else if (t === 'change') next(changed(r))
      // 'drop': no next()
    })
    server.attach(CHAT, p, AttachMode.INTERCEPT)
    for (const t of ['pass', 'drop', 'change', 'pass']) client.send(new Request(CHAT, t))
    await waitFor(() => p.seen.length === 4 && got.length === 3)
    expect(got).toEqual(['chat:pass', 'chat:changed', 'chat:pass'])
  })

  it('plugins run in registration order; one plugin on several types; MESSAGES sees every type', async () => {
    const { server, client, got } = await pair()
    const order: string[] = []
    const a = new Recorder('a', [], (r, _c, next) => {
      order.push(`a:${r.text()}`)
      next()
    })
    const b = new Recorder('b', [Permission.MESSAGES], (r) => {
      order.push(`b:${r.text()}`)
    })
    const c = new Recorder('c', [], (r) => {
      order.push(`c:${r.text()}`)
    })
    server.registerPlugin(a)
    server.registerPlugin(b)
    server.attach(CHAT, a, AttachMode.INTERCEPT)
    server.attach(FILE, a, AttachMode.INTERCEPT)
    server.attach(CHAT, c, AttachMode.OBSERVE)
    client.send(new Request(CHAT, 'x'))
    client.send(new Request(FILE, 'y'))
    client.send(new Request(OTHER, 'z'))
    await waitFor(() => got.length === 3)
    expect(order).toEqual(['a:x', 'b:x', 'c:x', 'a:y', 'b:y', 'b:z'])
    expect(got).toEqual(['chat:x', 'file:y', 'recv:z'])
  })

  it('permissions: hooks without them are never called; context calls without them throw', async () => {
    const server = fx.server()
    await server.start()
    const none = new Recorder('none')
    const all = new Recorder('all', [
      Permission.CONNECTIONS,
      Permission.MESSAGES,
      Permission.SEND,
      Permission.TAGS,
      Permission.CLOSE,
    ])
    server.registerPlugin(none)
    server.registerPlugin(all)
    const client = fx.client(server)
    await client.connect()
    client.send(new Request(CHAT, 'hi'))
    await waitFor(() => all.seen.length === 1)
    expect(all.events).toContain('connect')
    expect(none.events).toEqual(['register'])
    expect(none.seen).toEqual([])
    const info = server.getAllClients()[0] as ClientInfo
    const ctx = none.ctx!
    for (const [call, perm] of [
      [() => ctx.send(new Request(CHAT, 'x'), info), Permission.SEND],
      [() => ctx.broadcast(new Request(CHAT, 'x')), Permission.SEND],
      [() => ctx.tags(info), Permission.TAGS],
      [() => ctx.close(info), Permission.CLOSE],
    ] as const) {
      let err: unknown
      try {
        call()
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(PluginPermissionError)
      expect(err).toMatchObject({
        name: 'PluginPermissionError',
        code: 'VELTIX_ERR_PLUGIN_PERMISSION',
        plugin: 'none',
        permission: perm,
      })
    }
    // With the permission, the same calls work.
    const got: string[] = []
    client.onRecv((r) => got.push(r.text()))
    all.ctx!.tags(info).setTag('seen', 1)
    expect(info.getTag('seen')).toBe(1)
    expect(all.ctx!.send(new Request(CHAT, 'from plugin'), info)).toBe(true)
    expect(all.ctx!.broadcast(new Request(CHAT, 'to all'))).toBe(1)
    await waitFor(() => got.length === 2)
    expect(got).toEqual(['from plugin', 'to all'])
    await all.ctx!.close(info)
    await waitFor(() => all.events.some((e) => e.startsWith('disconnect')))
    expect(none.events).toEqual(['register'])
  })

  it('a hook that throws or rejects is caught, counted, and everything else goes on', async () => {
    const { server, client, got } = await pair()
    const thrower = new Recorder('thrower', [Permission.CONNECTIONS], () => {
      throw new Error('boom')
    })
    thrower.onConnect = () => {
      throw new Error('connect boom')
    }
    const rejecter = new Recorder('rejecter', [], async () => {
      throw new Error('async boom')
    })
    const interceptThrows = new Recorder('ithrow', [], () => {
      throw new Error('intercept boom')
    })
    const after = new Recorder('after', [Permission.MESSAGES])
    server.attach(CHAT, thrower, AttachMode.OBSERVE)
    server.attach(CHAT, rejecter, AttachMode.OBSERVE)
    server.attach(CHAT, interceptThrows, AttachMode.INTERCEPT)
    server.registerPlugin(after)
    const second = fx.client(server)
    await second.connect()
    await waitFor(() => server.stats().clients === 2)
    client.send(new Request(CHAT, 'a'))
    client.send(new Request(CHAT, 'b'))
    await waitFor(() => got.length === 2)
    expect(got).toEqual(['chat:a', 'chat:b'])
    expect(after.seen).toEqual(['a', 'b'])
    // 2 messages x 3 failing hooks + one onConnect
    await waitFor(() => server.stats().pluginErrors >= 7, 1000).catch(() => {})
    expect(server.stats().pluginErrors).toBe(7)
    expect(client.connected && second.connected).toBe(true)
    const lines = (server.config.logger as unknown as { lines: { level: string; msg: string }[] }).lines
    expect(lines.some((l) => l.level === 'error' && l.msg.includes("plugin 'rejecter'"))).toBe(true)
  })

  it('an async onMessage keeps per-connection order (later messages wait for it)', async () => {
    const { server, client, got } = await pair()
    const order: string[] = []
    const slow = new Recorder('slow', [], async (r, _c, next) => {
      const t = r.text()
      order.push(`start:${t}`)
      // Earlier messages take longer: without ordering they would finish last.
      await new Promise((res) => setTimeout(res, t === '0' ? 30 : 1))
      order.push(`end:${t}`)
      next()
    })
    server.attach(CHAT, slow, AttachMode.INTERCEPT)
    const obs = new Recorder('obs', [], async () => {
      await new Promise((res) => setTimeout(res, 2))
    })
    server.attach(FILE, obs, AttachMode.OBSERVE)
    for (let i = 0; i < 5; i++) client.send(new Request(i % 2 === 0 ? CHAT : FILE, String(i)))
    await waitFor(() => got.length === 5)
    expect(got).toEqual(['chat:0', 'file:1', 'chat:2', 'file:3', 'chat:4'])
    expect(order).toEqual(['start:0', 'end:0', 'start:2', 'end:2', 'start:4', 'end:4'])
  })

  it('a sync OBSERVE followed by an async one on the same connection, mixed types: order is kept exactly', async () => {
    const { server, client, got } = await pair()
    const seen: string[] = []
    // CHAT: observed synchronously (the inline path); FILE: observed by an async hook (the lane holds).
    const sync = new Recorder('sync', [], (r) => {
      seen.push(`sync:${r.text()}`)
    })
    const slow = new Recorder('slow', [], async (r) => {
      seen.push(`slow:${r.text()}`)
      await new Promise((res) => setTimeout(res, r.text() === '1' ? 30 : 1))
    })
    server.attach(CHAT, sync, AttachMode.OBSERVE)
    server.attach(FILE, slow, AttachMode.OBSERVE)
    const types = [CHAT, FILE, CHAT, CHAT, FILE, CHAT, FILE, FILE, CHAT, CHAT]
    for (const [i, t] of types.entries()) client.send(new Request(t, String(i)))
    await waitFor(() => got.length === types.length)
    expect(got).toEqual(types.map((t, i) => `${t === CHAT ? 'chat' : 'file'}:${i}`))
    expect(seen).toEqual(types.map((t, i) => `${t === CHAT ? 'sync' : 'slow'}:${i}`))
  })

  it('a sync OBSERVE hook that throws loses no message and is counted', async () => {
    const { server, client, got } = await pair()
    const thrower = new Recorder('thrower', [], (r) => {
      if (Number(r.text()) % 2 === 0) throw new Error('sync boom')
    })
    server.attach(CHAT, thrower, AttachMode.OBSERVE)
    for (let i = 0; i < 6; i++) client.send(new Request(CHAT, String(i)))
    await waitFor(() => got.length === 6)
    expect(got).toEqual(['chat:0', 'chat:1', 'chat:2', 'chat:3', 'chat:4', 'chat:5'])
    expect(server.stats().pluginErrors).toBe(3)
  })

  it('unregister during traffic: the plugin stops seeing messages, nothing is lost', async () => {
    const { server, client, got } = await pair()
    const p = new Recorder('drop-odd', [], (r, _c, next) => {
      if (Number(r.text()) % 2 === 0) next()
    })
    server.attach(CHAT, p, AttachMode.INTERCEPT)
    const n = 400
    let sent = 0
    const done = new Promise<void>((resolve) => {
      const tick = (): void => {
        for (let k = 0; k < 20 && sent < n; k++) client.send(new Request(CHAT, String(sent++)))
        if (sent === 200) expect(server.unregisterPlugin('drop-odd')).toBe(true)
        if (sent < n) setImmediate(tick)
        else resolve()
      }
      tick()
    })
    await done
    await waitFor(() => got.at(-1) === `chat:${n - 1}`)
    expect(p.events).toContain('unregister')
    const nums = got.map((g) => Number(g.slice(5)))
    // In order, nothing duplicated; every message after the plugin saw its last one got through.
    expect(nums).toEqual([...nums].sort((x, y) => x - y))
    const last = Number(p.seen.at(-1))
    for (let i = last + 1; i < n; i++) expect(nums).toContain(i)
    for (const i of nums) if (i <= last) expect(i % 2).toBe(0)
    expect(server.stats().pluginErrors).toBe(0)
  })

  it('the last plugin unregistered while messages wait behind its async hook: later ones do not overtake them', async () => {
    const { server, client, got } = await pair()
    const gate = deferred<void>()
    let held = 0
    const slow = new Recorder('slow', [], async () => {
      if (held++ === 0) await gate.promise // the first message holds the connection's later ones
    })
    server.attach(CHAT, slow, AttachMode.OBSERVE)
    for (let i = 0; i < 5; i++) client.send(new Request(CHAT, String(i)))
    await waitFor(() => slow.seen.length === 1)
    await new Promise((r) => setTimeout(r, 20)) // 1..4 are read and queued behind the held hook
    expect(got).toEqual([])
    expect(server.unregisterPlugin('slow')).toBe(true)
    for (let i = 5; i < 10; i++) client.send(new Request(CHAT, String(i)))
    await new Promise((r) => setTimeout(r, 20))
    expect(got).toEqual([]) // 5..9 wait too: they came after 0..4
    gate.resolve()
    await waitFor(() => got.length === 10)
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `chat:${i}`))
    expect(slow.seen).toEqual(['0']) // unregistered: the queued ones skipped it
    // Once drained, the plugin system is off again: messages go straight to the route.
    client.send(new Request(CHAT, 'direct'))
    await waitFor(() => got.length === 11)
    expect(got.at(-1)).toBe('chat:direct')
  })

  it('OUTBOUND: onSend sees every application send (send, reply, broadcast, sendAndWait), onReply the answers', async () => {
    const { server, client, got } = await pair()
    const seen: string[] = []
    const out = new (class extends VeltixBasePlugin {
      readonly name = 'out'
      override readonly permissions = [Permission.OUTBOUND]
      override onSend(request: Request, c: unknown) {
        seen.push(`send:${request.type.name}:${c === null ? 'null' : 'client'}`)
      }
      override onReply(request: Request, reply: Response | null) {
        seen.push(`reply:${request.type.name}:${reply === null ? 'none' : reply.text()}`)
      }
    })()
    // Without OUTBOUND the hooks are never called.
    const denied = new (class extends VeltixBasePlugin {
      readonly name = 'denied'
      override onSend() {
        seen.push('denied')
      }
    })()
    server.registerPlugin(out)
    server.registerPlugin(denied)
    client.route(OTHER, (r, c) => c.send(Request.respond(r, 'pong')))
    const info = server.getAllClients()[0]!
    expect(server.send(new Request(CHAT, 'a'), info)).toBe(true)
    expect(info.send(new Request(CHAT, 'b'))).toBe(true)
    expect(server.broadcast(new Request(FILE, 'c'))).toBe(1)
    expect((await server.sendAndWait(new Request(OTHER, 'ping?'), info, { timeout: 5000 }))?.text()).toBe(
      'pong',
    )
    expect(await server.sendAndWait(new Request(CHAT, 'never'), info, { timeout: 30 })).toBeNull()
    expect(seen).toEqual([
      'send:chat:client',
      'send:chat:client',
      'send:file:client',
      'send:other:client',
      'reply:other:pong',
      'send:chat:client',
      'reply:chat:none',
    ])
    // A route's reply on the server passes through ClientInfo.send too.
    server.requestHandler.unregisterRoute(CHAT)
    server.route(CHAT, (r, c) => c.send(Request.respond(r, 'echo')))
    seen.length = 0
    expect((await client.sendAndWait(new Request(CHAT, 'x'), { timeout: 5000 }))?.text()).toBe('echo')
    expect(seen).toEqual(['send:chat:client'])
    // Unregistered: no more calls; a rejection the caller handles stays the caller's.
    server.unregisterPlugin('out')
    seen.length = 0
    server.send(new Request(CHAT, 'd'), info)
    expect(seen).toEqual([])
    expect(got).toEqual([])
    expect(server.stats().pluginErrors).toBe(0)
  })

  it('the same on the client: client is null in onMessage; onConnect / onDisconnect', async () => {
    const server = fx.server()
    server.onRecv((c, r) => c.send(new Request(r.type, `echo ${r.text()}`)))
    await server.start()
    const client = fx.client(server)
    const got: string[] = []
    client.route(CHAT, (r) => {
      got.push(r.text())
    })
    const clients: unknown[] = []
    const p = new Recorder('c', [Permission.CONNECTIONS, Permission.SEND], (r, c, next) => {
      clients.push(c)
      next(r.text() === 'echo secret' ? undefined : r)
    })
    expect(client.registerPlugin(p)).toBe(true)
    expect(client.attach(CHAT, p, AttachMode.INTERCEPT)).toBe(true)
    await client.connect()
    expect(p.events).toEqual(['register', 'connect'])
    expect(p.ctx!.side).toBe('client')
    expect(p.ctx!.send(new Request(CHAT, 'hi'), null)).toBe(true)
    await waitFor(() => got.length === 1)
    expect(got).toEqual(['echo hi'])
    expect(clients).toEqual([null])
    expect(client.stats().pluginErrors).toBe(0)
    await server.closeAll()
    await waitFor(() => p.events.length === 3)
    expect(p.events[2]).toMatch(/^disconnect:/)
  })
})

/** A copy of `r` with another text (what an INTERCEPT plugin passes to `next`). */
function changed(r: Response): Response {
  const f = { code: r.type.code, requestId: r.id, timestamp: r.timestamp, payload: Buffer.from('changed') }
  return new Response(r.type, f)
}
