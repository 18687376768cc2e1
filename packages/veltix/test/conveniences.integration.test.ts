// The conveniences of the reference's later releases (API.md "Conveniences"), beside the 1.6.3 names.
import { afterEach, describe, expect, it } from 'vitest'
import {
  type ClientInfo,
  type DisconnectState,
  Events,
  MessageType,
  Request,
  type Response,
  type ServerDisconnectInfo,
  SocketCore,
} from '../src/index.js'
import { captureLogger, deferred, Fixture, waitFor } from './helpers.js'

const CHAT = new MessageType(200, 'chat')
const ECHO = new MessageType(201, 'echo')

describe('conveniences', () => {
  const fx = new Fixture(SocketCore.LOOP)
  afterEach(() => fx.close())

  /** A started server and `n` connected clients, each recording what it receives. */
  async function setup(n: number, init: Parameters<Fixture['server']>[0] = {}) {
    const server = fx.server(init)
    await server.start()
    const clients = []
    for (let i = 0; i < n; i++) {
      const c = fx.client(server)
      const got: string[] = []
      c.onRecv((r) => {
        got.push(r.text())
      })
      expect(await c.connect()).toBe(true)
      clients.push({ c, got })
    }
    await waitFor(() => server.getAllClients().length === n)
    return { server, clients, infos: server.getAllClients() }
  }

  it('sender getters are the getSender() objects', async () => {
    const { server, clients } = await setup(1)
    expect(server.sender).toBe(server.getSender())
    expect(clients[0]!.c.sender).toBe(clients[0]!.c.getSender())
  })

  it('server.send(request, client) takes a ClientInfo or its conn; false once closed or foreign', async () => {
    const { server, clients, infos } = await setup(2)
    const [a, b] = infos
    expect(server.send(new Request(CHAT, 'to a'), a!)).toBe(true)
    expect(server.send(new Request(CHAT, 'to b'), b!.conn)).toBe(true)
    await waitFor(() => clients[0]!.got.length === 1 && clients[1]!.got.length === 1)
    expect(clients.map((x) => x.got)).toEqual([['to a'], ['to b']])
    const other = fx.server()
    expect(other.send(new Request(CHAT, 'x'), a!)).toBe(false)
    await clients[0]!.c.disconnect()
    await waitFor(() => a!.closed)
    expect(server.send(new Request(CHAT, 'late'), a!)).toBe(false)
  })

  it('server.broadcast(request, { except }) reaches every connected client but the excluded', async () => {
    const { server, clients, infos } = await setup(3)
    expect(server.broadcast(new Request(CHAT, 'all'))).toBe(3)
    expect(server.broadcast(new Request(CHAT, 'not a'), { except: [infos[0]!] })).toBe(2)
    expect(server.broadcast(new Request(CHAT, 'only c'), { except: [infos[0]!, infos[1]!.conn] })).toBe(1)
    await waitFor(() => clients[2]!.got.length === 3)
    await waitFor(() => clients[1]!.got.length === 2)
    expect(clients.map((x) => x.got)).toEqual([['all'], ['all', 'not a'], ['all', 'not a', 'only c']])
  })

  it('client.send(request) is true when sent, false without a connection', async () => {
    const { server, clients } = await setup(1)
    const got = deferred<string>()
    server.onRecv((_c, r) => got.resolve(r.text()))
    const { c } = clients[0]!
    expect(c.send(new Request(CHAT, 'hello'))).toBe(true)
    expect(await got.promise).toBe('hello')
    await c.disconnect()
    expect(c.send(new Request(CHAT, 'late'))).toBe(false)
  })

  it('new Request(type, { text }) / { json }, and Request.respond(response, payload)', async () => {
    expect(Buffer.from(new Request(CHAT, { text: 'héllo' }).payload).toString()).toBe('héllo')
    expect(JSON.parse(Buffer.from(new Request(CHAT, { json: { a: [1, 'b'] } }).payload).toString())).toEqual({
      a: [1, 'b'],
    })
    expect(() => new Request(CHAT, {} as never)).toThrow(TypeError)
    expect(() => new Request(CHAT, { json: 1n })).toThrow(/JSON/)

    const { server, clients } = await setup(1)
    server.route(ECHO, (req, client) => {
      const { n } = req.json<{ n: number }>()
      client.send(Request.respond(req, { json: { doubled: n * 2 } }))
    })
    const req = new Request(ECHO, { json: { n: 21 } })
    const reply = await clients[0]!.c.sendAndWait(req, { timeout: 5000 })
    expect(reply?.json()).toEqual({ doubled: 42 })
    expect(reply?.id).toBe(req.id)
    expect(reply?.type.code).toBe(ECHO.code)
    const empty = Request.respond(reply!)
    expect(empty.payload.length).toBe(0)
    expect(empty.id).toBe(req.id)
  })

  it('onRecv / onConnect / onDisconnect on the server: beside setCallback, each off() stops only its own', async () => {
    const logger = captureLogger()
    const server = fx.server({ logger })
    const seen: string[] = []
    server.setCallback(Events.ON_RECV, (_c, r) => {
      seen.push(`slot:${r.text()}`)
    })
    const offA = server.onRecv((_c, r) => {
      seen.push(`a:${r.text()}`)
    })
    server.onRecv(() => {
      throw new Error('listener b fails') // logged; the others still run
    })
    server.onRecv((_c, r) => {
      seen.push(`c:${r.text()}`)
    })
    const connects: ClientInfo[] = []
    const ends: ServerDisconnectInfo[] = []
    const offConnect = server.onConnect((c) => {
      connects.push(c)
    })
    server.onDisconnect((_c, info) => {
      ends.push(info)
    })
    await server.start()
    const client = fx.client(server)
    await client.connect()
    client.send(new Request(CHAT, '1'))
    await waitFor(() => seen.length === 3)
    expect(seen).toEqual(['slot:1', 'a:1', 'c:1'])
    expect(logger.lines.some((l) => l.level === 'error' && l.msg.includes('listener b fails'))).toBe(true)
    offA()
    offA() // a second call does nothing
    server.setCallback(Events.ON_RECV, undefined) // the listeners stay
    client.send(new Request(CHAT, '2'))
    await waitFor(() => seen.length === 4)
    expect(seen.at(-1)).toBe('c:2')
    expect(connects).toHaveLength(1)
    offConnect()
    await client.disconnect()
    await waitFor(() => ends.length === 1)
    expect(ends[0]!.reason).toBeDefined()
    const again = fx.client(server)
    await again.connect()
    await waitFor(() => server.getAllClients().length === 1)
    expect(connects).toHaveLength(1) // unsubscribed
  })

  it('async onRecv listeners keep per-connection order (the next message waits for them)', async () => {
    const { server, clients } = await setup(1)
    const order: string[] = []
    const gate = deferred<void>()
    server.onRecv(async (_c, r) => {
      order.push(`start ${r.text()}`)
      if (r.text() === 'first') await gate.promise
      order.push(`end ${r.text()}`)
    })
    clients[0]!.c.send(new Request(CHAT, 'first'))
    clients[0]!.c.send(new Request(CHAT, 'second'))
    await waitFor(() => order.length === 1)
    await new Promise((r) => setTimeout(r, 20))
    expect(order).toEqual(['start first'])
    gate.resolve()
    await waitFor(() => order.length === 4)
    expect(order).toEqual(['start first', 'end first', 'start second', 'end second'])
  })

  it('onRecv / onConnect / onDisconnect on the client, with their unsubscribes', async () => {
    const server = fx.server()
    server.onRecv((c, r) => c.send(Request.respond(r, r.content)))
    await server.start()
    const client = fx.client(server)
    const got: Response[] = []
    const offRecv = client.onRecv((r) => {
      got.push(r)
    })
    const connected = deferred<void>()
    client.onConnect(() => connected.resolve())
    const states: DisconnectState[] = []
    const offDisc = client.onDisconnect((s) => {
      states.push(s)
    })
    await client.connect()
    await connected.promise
    client.send(new Request(CHAT, 'ping'))
    await waitFor(() => got.length === 1)
    offRecv()
    client.send(new Request(CHAT, 'again'))
    const reply = await client.sendAndWait(new Request(CHAT, 'wait'), { timeout: 5000 })
    expect(reply?.text()).toBe('wait') // the reply of a sendAndWait never reaches ON_RECV
    await new Promise((r) => setTimeout(r, 20))
    expect(got.map((r) => r.text())).toEqual(['ping'])
    offDisc()
    await client.disconnect()
    expect(states).toEqual([])
  })

  it('restart(): clients dropped, same port, routes and callbacks kept; waitUntilClosed waits for closeAll', async () => {
    const server = fx.server()
    let connects = 0
    server.onConnect(() => {
      connects++
    })
    server.route(ECHO, (req, c) => c.send(Request.respond(req, req.content)))
    await server.start()
    const port = server.port
    const client = fx.client(server, { retry: 20, retryDelay: 50 })
    await client.connect()
    await waitFor(() => connects === 1)
    let closed = false
    const until = server.waitUntilClosed().then(() => {
      closed = true
    })
    const drops: ServerDisconnectInfo[] = []
    server.onDisconnect((_c, info) => {
      drops.push(info)
    })
    await server.restart()
    expect(server.listening).toBe(true)
    expect(server.port).toBe(port)
    expect(drops).toHaveLength(1)
    await waitFor(() => connects === 2 && client.connected) // the client came back, ON_CONNECT kept
    expect((await client.sendAndWait(new Request(ECHO, 'routed'), { timeout: 5000 }))?.text()).toBe('routed')
    await new Promise((r) => setTimeout(r, 20))
    expect(closed).toBe(false)
    client.stopRetry()
    await server.closeAll()
    await until
    expect(closed).toBe(true)
    await expect(server.waitUntilClosed()).resolves.toBeUndefined() // not started: at once
  })

  it('client.waitUntilClosed(): at once when idle; after disconnect(); after a loss that is not retried', async () => {
    const server = fx.server()
    await server.start()
    const a = fx.client(server)
    await a.waitUntilClosed() // not connected: at once
    await a.connect()
    let aClosed = false
    const untilA = a.waitUntilClosed().then(() => {
      aClosed = true
    })
    await new Promise((r) => setTimeout(r, 20))
    expect(aClosed).toBe(false)
    await a.disconnect()
    await untilA
    expect(aClosed).toBe(true)

    const b = fx.client(server) // retry 0: a lost connection is final
    await b.connect()
    const untilB = b.waitUntilClosed()
    await server.closeAll()
    await untilB
    expect(b.connected).toBe(false)
  })

  it('closeClient(client): true once closed (ON_DISCONNECT on both sides), false after or for strangers', async () => {
    const { server, clients, infos } = await setup(2)
    const ends: ClientInfo[] = []
    server.onDisconnect((c) => {
      ends.push(c)
    })
    const lost = deferred<DisconnectState>()
    clients[0]!.c.onDisconnect((s) => lost.resolve(s))
    expect(await server.closeClient(infos[0]!)).toBe(true)
    expect(infos[0]!.closed).toBe(true)
    expect((await lost.promise).permanent).toBe(true)
    await waitFor(() => ends.length === 1)
    expect(ends).toEqual([infos[0]])
    expect(server.getAllClients()).toEqual([infos[1]])
    expect(await server.closeClient(infos[0]!)).toBe(false)
    expect(await fx.server().closeClient(infos[1]!)).toBe(false)
    expect(await server.closeClient(infos[1]!.conn)).toBe(true)
  })

  it('getClientsByTag(key, value?): connected clients with the tag (and that value), in order', async () => {
    const { server, infos } = await setup(3)
    const [a, b, c] = infos
    a!.addTag('room', 'lobby')
    b!.addTag('room', 'games')
    c!.addTag('room', 'lobby')
    b!.addTag('admin')
    expect(server.getClientsByTag('room')).toEqual([a, b, c])
    expect(server.getClientsByTag('room', 'lobby')).toEqual([a, c])
    expect(server.getClientsByTag('admin')).toEqual([b])
    expect(server.getClientsByTag('admin', true)).toEqual([b])
    expect(server.getClientsByTag('admin', false)).toEqual([])
    expect(server.getClientsByTag('nope')).toEqual([])
    await server.closeClient(a!)
    expect(server.getClientsByTag('room', 'lobby')).toEqual([c])
  })
})
