// Every example of API.md (the reference's README in TypeScript), on both socket cores.
import * as net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AbortError,
  type ClientInfo,
  ConnectionClosedError,
  type DisconnectState,
  Events,
  handles,
  MessageType,
  NotConnectedError,
  Request,
  type Response,
  SocketCore,
} from '../src/index.js'
import { captureLogger, deferred, Fixture, waitFor } from './helpers.js'

const CHAT = new MessageType(200, 'chat')
const ECHO = new MessageType(201, 'echo')
const SILENT = new MessageType(202, 'silent')

const echoReply = (response: Response) =>
  new Request(response.type, response.content, { requestId: response.requestId })

describe.each([SocketCore.LOOP, SocketCore.WORKER])('API.md on the %s core', (core) => {
  const fx = new Fixture(core)
  afterEach(() => fx.close())

  it('Quick Start: echo broadcast server and client', async () => {
    const server = fx.server({ host: '0.0.0.0' })
    const sender = server.getSender()
    const seen: string[] = []
    server.setCallback(Events.ON_RECV, (client: ClientInfo, response: Response) => {
      seen.push(`[${client.addr[0]}] ${response.text()}`)
      sender.broadcast(new Request(CHAT, `Echo: ${response.text()}`), server.getAllClientsSockets())
    })
    await server.start()
    expect(server.port).toBeGreaterThan(0)

    const client = fx.client(server)
    const got = deferred<string>()
    client.setCallback(Events.ON_RECV, (response: Response) => got.resolve(`Server: ${response.text()}`))
    expect(await client.connect()).toBe(true)
    expect(client.getSender().send(new Request(CHAT, 'Hello Server!'))).toBe(true)
    expect(await got.promise).toBe('Server: Echo: Hello Server!')
    expect(seen).toEqual(['[127.0.0.1] Hello Server!'])
    await client.disconnect()
    await server.closeAll()
    expect(server.listening).toBe(false)
  })

  it('request/response: sendAndWait resolves the reply with a real latency, null on timeout', async () => {
    const server = fx.server()
    server.setCallback(Events.ON_RECV, (client, response) => {
      if (response.type.code === ECHO.code) server.getSender().send(echoReply(response), client.conn)
    })
    await server.start()
    const client = fx.client(server)
    await client.connect()

    const response = await client.sendAndWait(new Request(ECHO, 'Hello Server!'), { timeout: 5000 })
    expect(response?.text()).toBe('Hello Server!')
    expect(response?.type.code).toBe(ECHO.code)
    expect(typeof response?.latency).toBe('number')
    expect(response!.latency!).toBeGreaterThanOrEqual(0)

    // No reply: null after the timeout; nothing left pending.
    expect(await client.sendAndWait(new Request(SILENT, 'x'), { timeout: 50 })).toBeNull()
    expect(client.stats().pendingRequests).toBe(0)
  })

  it('sendAndWait takes a signal and rejects with typed errors on abort and close', async () => {
    const server = fx.server()
    await server.start()
    const client = fx.client(server)
    await client.connect()

    const ac = new AbortController()
    const aborted = client.sendAndWait(new Request(SILENT, 'a'), { timeout: 10_000, signal: ac.signal })
    ac.abort()
    await expect(aborted).rejects.toBeInstanceOf(AbortError)

    // Settled (caught) as soon as it rejects, checked below.
    const closing = client.sendAndWait(new Request(SILENT, 'b'), { timeout: 10_000 }).catch((e: unknown) => e)
    await waitFor(() => server.getAllClients().length === 1)
    await server.getAllClients()[0]!.conn.close()
    expect(await closing).toBeInstanceOf(ConnectionClosedError)
    expect(client.stats().pendingRequests).toBe(0)
    await expect(client.sendAndWait(new Request(SILENT, 'c'))).rejects.toBeInstanceOf(NotConnectedError)
  })

  it('the server asks a client too, and both sides ping', async () => {
    const server = fx.server()
    const connected = deferred<ClientInfo>()
    server.setCallback(Events.ON_CONNECT, (c) => connected.resolve(c))
    await server.start()
    const client = fx.client(server)
    client.setCallback(Events.ON_RECV, (response) => {
      client
        .getSender()
        .send(new Request(response.type, `re: ${response.text()}`, { requestId: response.requestId }))
    })
    await client.connect()
    const info = await connected.promise

    const reply = await server.sendAndWait(new Request(CHAT, 'question'), info, { timeout: 5000 })
    expect(reply?.text()).toBe('re: question')
    expect(await server.sendAndWait(new Request(CHAT, 'again'), info.conn, { timeout: 5000 })).not.toBeNull()

    const ms = await client.pingServer({ timeout: 2000 })
    const ms2 = await server.pingClient(info, { timeout: 2000 })
    expect(typeof ms).toBe('number')
    expect(typeof ms2).toBe('number')
    expect(client.stats().lastRtt).not.toBeNull()
  })

  it('routes beat ON_RECV; registerRoute / unregisterRoute report what they did', async () => {
    const server = fx.server()
    const routed: string[] = []
    const received: string[] = []
    const handler = (response: Response, client: ClientInfo) => {
      routed.push(`${response.text()}@${client.addr[1]}`)
    }
    server.setCallback(Events.ON_RECV, (_client, response) => {
      received.push(response.text())
    })
    expect(server.route(CHAT, handler)).toBe(true)
    expect(server.requestHandler.registerRoute(CHAT, handler)).toBe(false)
    expect(server.requestHandler.unregisterRoute(ECHO)).toBe(false)
    await server.start()

    const client = fx.client(server)
    const clientRouted = deferred<string>()
    client.route(CHAT, (response: Response) => clientRouted.resolve(response.text()))
    await client.connect()
    client.getSender().send(new Request(CHAT, 'one'))
    client.getSender().send(new Request(ECHO, 'two'))
    await waitFor(() => routed.length === 1 && received.length === 1)
    expect(routed[0]).toMatch(/^one@\d+$/)
    expect(received).toEqual(['two'])

    expect(server.requestHandler.unregisterRoute(CHAT)).toBe(true)
    client.getSender().send(new Request(CHAT, 'three'))
    await waitFor(() => received.length === 2)
    expect(received).toEqual(['two', 'three'])

    server.getSender().send(new Request(CHAT, 'to client'), server.getAllClients()[0]!.conn)
    expect(await clientRouted.promise).toBe('to client')
  })

  it('the decorator form registers class-based handlers', async () => {
    const server = fx.server()
    const got = deferred<string>()
    class ChatHandlers {
      prefix = 'got'
      @handles(CHAT)
      onChat(response: Response, client: ClientInfo) {
        got.resolve(`${this.prefix} ${response.text()} from ${client.addr[0]}`)
      }
    }
    expect(server.requestHandler.registerHandlers(new ChatHandlers())).toBe(1)
    await server.start()
    const client = fx.client(server)
    await client.connect()
    client.getSender().send(new Request(CHAT, 'hi'))
    expect(await got.promise).toBe('got hi from 127.0.0.1')
  })

  it('tags on ClientInfo, with the reference return values, kept across callbacks', async () => {
    const server = fx.server()
    const checked = deferred<unknown[]>()
    server.setCallback(Events.ON_CONNECT, (client) => {
      client.addTag('authenticated')
      client.addTag('role', 'admin')
    })
    server.route(CHAT, (_res, client) => {
      checked.resolve([
        client.hasTag('guest'),
        client.hasAllTags(['authenticated', 'role']),
        client.hasAnyTags(['admin', 'role']),
        client.getTag('role'),
        client.addTag('role', 'x'),
        client.removeTag('guest'),
        client.removeTag('role'),
        client.handshakeDone,
      ])
      client.clearTags()
    })
    await server.start()
    const client = fx.client(server)
    await client.connect()
    client.getSender().send(new Request(CHAT, 'x'))
    expect(await checked.promise).toEqual([false, true, true, 'admin', false, false, true, true])
    await waitFor(() => server.getAllClients()[0]?.getTags().length === 0)
  })

  it('broadcast encodes once, skips the excluded and closed connections, and counts acceptances', async () => {
    const server = fx.server()
    await server.start()
    const inbox = new Map<number, string[]>()
    const clients = [0, 1, 2].map((i) => {
      const c = fx.client(server)
      inbox.set(i, [])
      c.setCallback(Events.ON_RECV, (r) => inbox.get(i)!.push(r.text()))
      return c
    })
    for (const c of clients) expect(await c.connect()).toBe(true)
    await waitFor(() => server.getAllClients().length === 3)
    const all = server.getAllClients()
    const sender = server.getSender()

    expect(
      sender.broadcast(new Request(CHAT, 'to all but one'), server.getAllClientsSockets(), [all[0]!.conn]),
    ).toBe(2)
    expect(sender.broadcast(new Request(CHAT, 'marker'))).toBe(3) // default: every client
    await waitFor(() => [...inbox.values()].every((m) => m.includes('marker')))
    const got = [...inbox.values()].map((m) => m.join(','))
    expect(got.filter((m) => m === 'to all but one,marker')).toHaveLength(2)
    expect(got.filter((m) => m === 'marker')).toHaveLength(1)
    expect(server.stats().messagesOut).toBeGreaterThanOrEqual(5)
  })

  it('ON_CONNECT and ON_DISCONNECT fire exactly once per handshaken connection, never for others', async () => {
    const server = fx.server({ handshakeTimeout: 300 })
    const events: string[] = []
    server.setCallback(Events.ON_CONNECT, (c) => events.push(`connect ${c.addr[1]}`))
    server.setCallback(Events.ON_DISCONNECT, (c, info) =>
      events.push(`disconnect ${c.addr[1]} ${info.reason}`),
    )
    await server.start()

    // A raw TCP peer that never answers the HELLO: closed after handshakeTimeout, no event.
    const raw = net.connect(server.port, '127.0.0.1')
    const rawClosed = new Promise((r) => raw.once('close', r))
    raw.on('error', () => {})
    raw.resume()

    const a = fx.client(server)
    const b = fx.client(server)
    await a.connect()
    await b.connect()
    await waitFor(() => events.length === 2)
    await a.disconnect()
    await waitFor(() => events.length === 3)
    await rawClosed
    await server.closeAll()
    await waitFor(() => events.length >= 4)
    await new Promise((r) => setTimeout(r, 50))
    expect(events.filter((e) => e.startsWith('connect'))).toHaveLength(2)
    expect(events.filter((e) => e.startsWith('disconnect'))).toHaveLength(2)
    expect(new Set(events.map((e) => e.split(' ')[1])).size).toBe(2)
    expect(server.stats().handshakeFailures).toBe(1)
    expect(server.stats().acceptedTotal).toBe(3)
  })

  it('client events: ON_CONNECT after the handshake, ON_DISCONNECT with a DisconnectState', async () => {
    const server = fx.server()
    await server.start()
    const client = fx.client(server)
    const states: DisconnectState[] = []
    let connects = 0
    client.setCallback(Events.ON_CONNECT, () => connects++)
    client.setCallback(Events.ON_DISCONNECT, (s: DisconnectState) => states.push(s))
    await client.connect()
    expect(connects).toBe(1)
    await client.disconnect()
    expect(states).toHaveLength(1)
    expect(states[0]).toMatchObject({ permanent: true, reason: 'manual' })
  })

  it('a client can connect again after disconnect(); disconnect() without a connection fires nothing', async () => {
    const server = fx.server()
    await server.start()
    const client = fx.client(server)
    const states: DisconnectState[] = []
    client.setCallback(Events.ON_DISCONNECT, (s) => states.push(s))
    await client.disconnect()
    expect(states).toHaveLength(0)
    expect(await client.connect()).toBe(true)
    await client.disconnect()
    expect(await client.connect()).toBe(true)
    expect(await client.pingServer({ timeout: 2000 })).not.toBeNull()
    await client.disconnect()
    expect(states.map((s) => s.reason)).toEqual(['manual', 'manual'])
    await waitFor(() => server.stats().connections === 0)
    expect(server.stats().acceptedTotal).toBe(2)
  })

  it('sender.send is false, never a throw, for a closed connection', async () => {
    const server = fx.server()
    await server.start()
    const client = fx.client(server)
    await client.connect()
    await waitFor(() => server.getAllClients().length === 1)
    const info = server.getAllClients()[0]!
    await client.disconnect()
    await waitFor(() => info.closed)
    expect(server.getSender().send(new Request(CHAT, 'late'), info.conn)).toBe(false)
    expect(server.getSender().send(new Request(CHAT, 'late'), info)).toBe(false)
    expect(client.getSender().send(new Request(CHAT, 'late'))).toBe(false)
    expect(server.getSender().broadcast(new Request(CHAT, 'late'), [info.conn])).toBe(0)
  })

  it('reconnects after a server restart on the same port (closeAll, then start again)', async () => {
    const server = fx.server()
    await server.start()
    const port = server.port
    server.setCallback(Events.ON_RECV, (c, r) => server.getSender().send(echoReply(r), c.conn))
    const client = fx.client(server, { retry: 50, retryDelay: 50 })
    const states: DisconnectState[] = []
    let connects = 0
    client.setCallback(Events.ON_CONNECT, () => connects++)
    client.setCallback(Events.ON_DISCONNECT, (s) => states.push(s))
    expect(await client.connect()).toBe(true)

    await server.closeAll()
    await waitFor(() => states.length >= 1)
    expect(states[0]).toMatchObject({ permanent: false, reason: 'server_closed' })
    expect(client.connected).toBe(false)

    await server.start()
    expect(server.port).toBe(port)
    await waitFor(() => connects === 2, 10_000, 'reconnect')
    expect((await client.sendAndWait(new Request(ECHO, 'back'), { timeout: 5000 }))?.text()).toBe('back')
    expect(client.stats().reconnects).toBe(1)
  })

  it('closeAll leaves nothing pending: waits reject, counters drop to zero, sockets are gone', async () => {
    const server = fx.server()
    const connected = deferred<ClientInfo>()
    server.setCallback(Events.ON_CONNECT, (c) => connected.resolve(c))
    await server.start()
    const client = fx.client(server)
    await client.connect()
    const info = await connected.promise
    const settled = (p: Promise<unknown>) => p.catch((e: unknown) => e)
    const fromServer = settled(server.sendAndWait(new Request(SILENT, 'never'), info, { timeout: 60_000 }))
    const fromClient = settled(client.sendAndWait(new Request(SILENT, 'never'), { timeout: 60_000 }))
    await waitFor(() => server.stats().pendingRequests === 1)

    await server.closeAll()
    expect(await fromServer).toBeInstanceOf(ConnectionClosedError)
    expect(await fromClient).toBeInstanceOf(ConnectionClosedError)
    expect(server.stats()).toMatchObject({ connections: 0, clients: 0, pendingRequests: 0 })
    expect(server.getAllClients()).toEqual([])
    expect(client.stats().pendingRequests).toBe(0)
    await server.closeAll() // again: a no-op
  })

  it('a throwing or rejecting handler is reported and affects nothing else', async () => {
    const logger = captureLogger()
    const server = fx.server({ logger })
    const got: string[] = []
    server.route(CHAT, () => {
      throw new Error('boom')
    })
    server.route(ECHO, async () => {
      throw new Error('async boom')
    })
    server.setCallback(Events.ON_CONNECT, () => {
      throw new Error('connect boom')
    })
    server.setCallback(Events.ON_RECV, (_c, r) => {
      got.push(r.text())
    })
    await server.start()
    const client = fx.client(server)
    await client.connect()
    client.getSender().send(new Request(CHAT, 'a'))
    client.getSender().send(new Request(ECHO, 'b'))
    client.getSender().send(new Request(SILENT, 'c'))
    await waitFor(() => got.length === 1)
    await waitFor(() => logger.lines.filter((l) => l.level === 'error').length >= 3)
    const errors = logger.lines
      .filter((l) => l.level === 'error')
      .map((l) => l.msg)
      .join('\n')
    expect(errors).toContain('boom')
    expect(errors).toContain('async boom')
    expect(errors).toContain('connect boom')
    expect(await client.pingServer({ timeout: 2000 })).not.toBeNull()
    expect(server.getAllClients()).toHaveLength(1)
  })

  it('stats on the server, the client and each connection', async () => {
    const server = fx.server()
    server.setCallback(Events.ON_RECV, (c, r) => server.getSender().send(echoReply(r), c.conn))
    await server.start()
    const client = fx.client(server)
    await client.connect()
    for (let i = 0; i < 3; i++) await client.sendAndWait(new Request(ECHO, 'abc'), { timeout: 5000 })
    const cs = client.stats()
    expect(cs.connected).toBe(true)
    expect(cs.messagesOut).toBeGreaterThanOrEqual(3)
    expect(cs.messagesIn).toBeGreaterThanOrEqual(3)
    expect(cs.bytesOut).toBeGreaterThanOrEqual(3 * 25)
    expect(cs.lastRtt).not.toBeNull()
    expect(cs.droppedFrames).toMatchObject({ checksum: 0, unknownType: 0 })
    const info = server.getAllClients()[0]!
    expect(info.stats().messagesIn).toBeGreaterThanOrEqual(3)
    expect(server.stats()).toMatchObject({ connections: 1, clients: 1 })
    expect(server.stats().bytesIn).toBeGreaterThanOrEqual(3 * 25)
  })

  it('connect() resolves false for an unreachable server, never throws', async () => {
    const server = fx.server()
    await server.start()
    const port = server.port
    await server.closeAll()
    const client = fx.client(port, { connectTimeout: 2000 })
    const states: DisconnectState[] = []
    client.setCallback(Events.ON_DISCONNECT, (s) => states.push(s))
    expect(await client.connect()).toBe(false)
    expect(states.at(-1)).toMatchObject({ permanent: true })
    expect(await client.pingServer()).toBeNull()
  })

  it('retry: attempts are reported, stopRetry ends them', async () => {
    const server = fx.server()
    await server.start()
    const port = server.port
    await server.closeAll()
    const client = fx.client(port, { retry: 3, retryDelay: 20 })
    const states: DisconnectState[] = []
    client.setCallback(Events.ON_DISCONNECT, (s) => states.push(s))
    expect(await client.connect()).toBe(false)
    expect(states.map((s) => s.attempt)).toEqual([0, 1, 2, 3])
    expect(states.map((s) => s.permanent)).toEqual([false, false, false, true])
    expect(states.every((s) => s.retryMax === 3)).toBe(true)
    expect(client.stats().failedAttempts).toBe(4)

    client.stopRetry()
    await server.start()
    expect(await client.retry({ max: 2 })).toBe(true)
    expect(client.connected).toBe(true)
  })
})
