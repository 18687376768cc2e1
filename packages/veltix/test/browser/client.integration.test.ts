// The browser client in Node, on `ws`'s WebSocket, against a Veltix session server over WebSocket.
import type { AddressInfo } from 'node:net'
import * as node from '@veltix/codec'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import {
  AbortError,
  AuthenticationError,
  Client,
  type ClientInit,
  ConnectError,
  ConnectionClosedError,
  DisconnectReason,
  type DisconnectState,
  defineMessage,
  Events,
  FrameTooLargeError,
  HandshakeTimeoutError,
  MalformedFrameError,
  MessageType,
  NotConnectedError,
  Request,
  type Response,
  ServerRefusedError,
  VersionMismatchError,
  type WebSocketConstructor,
} from '../../src/browser/index.js'
import { waitFor } from '../helpers.js'
import { WsSessionServer } from './ws-session-server.js'

const CHAT = new MessageType(200, 'chat')
const ADD = defineMessage<{ a: number; b: number }, { sum: number }>(201, 'add')
const quiet = { warn: () => {}, error: () => {} }

const servers: { close(): Promise<void> }[] = []
const clients: Client[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) {
    await c.disconnect()
    expect(c.stats().pendingRequests).toBe(0)
  }
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function server(port = 0): Promise<WsSessionServer> {
  const s = await new WsSessionServer().start(port)
  servers.push(s)
  return s
}
function client(init: Omit<ClientInit, 'WebSocket'>): Client {
  const c = new Client({ WebSocket: WebSocket as unknown as WebSocketConstructor, logger: quiet, ...init })
  clients.push(c)
  return c
}

/** A WebSocket server whose side of the conversation the test writes by hand. */
async function rawServer(onConnection: (ws: WebSocket) => void): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise((r) => wss.once('listening', r))
  wss.on('connection', onConnection)
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate()
        wss.close(() => resolve())
      }),
  })
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`
}
const HELLO_1_6_3 = node.encodeFrame({
  code: 10,
  requestId: 0x0a0b0c0d,
  payload: Uint8Array.of(0, 5, ...Buffer.from('1.6.3')),
})

describe('browser client over a WebSocket (Node, ws)', () => {
  it('connects, sends, waits for replies (typed too), pings, receives what the server pushes', async () => {
    const s = await server()
    const c = client({ url: s.url })
    const connected: number[] = []
    c.setCallback(Events.ON_CONNECT, () => connected.push(Date.now()))
    expect(await c.connect()).toBe(true)
    expect(c.connected).toBe(true)
    expect(connected).toHaveLength(1)

    const reply = await c.sendAndWait(new Request(CHAT, 'hello'), { timeout: 3000 })
    expect(reply?.text()).toBe('hello')
    expect(reply?.latency).toBeGreaterThan(0)

    s.onMessage = (res, session) => {
      const { a, b } = res.json() as { a: number; b: number }
      session.send(new node.Request(res.type, JSON.stringify({ sum: a + b }), { requestId: res.id }))
    }
    const sum = await c.sendAndWait(ADD.request({ a: 2, b: 40 }))
    expect(sum?.data).toEqual({ sum: 42 })

    const rtt = await c.pingServer({ timeout: 3000 })
    expect(typeof rtt).toBe('number')
    expect(rtt).toBeGreaterThan(0)

    const got: string[] = []
    const routed: string[] = []
    c.setCallback(Events.ON_RECV, (r: Response) => got.push(r.text()))
    const off = c.onRecv((r) => got.push(`2:${r.text()}`))
    const NEWS = new MessageType(202, 'news')
    c.route(NEWS, (r) => routed.push(r.text()))
    s.broadcast(new node.Request(new node.MessageType(200, 'chat'), 'pushed'))
    s.broadcast(new node.Request(new node.MessageType(202, 'news'), 'routed'))
    await waitFor(() => got.length === 2 && routed.length === 1, 3000, 'pushed messages')
    expect(got).toEqual(['pushed', '2:pushed'])
    expect(routed).toEqual(['routed'])
    off()

    // send() reaches the server's handler.
    const seen: string[] = []
    s.onMessage = (res) => seen.push(res.text())
    expect(c.getSender().send(new Request(CHAT, 'one'))).toBe(true)
    expect(c.sender.send(new Request(CHAT, 'two'))).toBe(true)
    await waitFor(() => seen.length === 2, 3000, 'sent messages')
    expect(seen).toEqual(['one', 'two'])
    const st = c.stats()
    expect(st.messagesOut).toBeGreaterThanOrEqual(6)
    expect(st.pendingRequests).toBe(0)
  })

  it('sendAndWait: null after the timeout, AbortError on abort, ConnectionClosedError when the connection ends', async () => {
    const s = await server()
    s.onMessage = () => {} // never answers
    const c = client({ url: s.url })
    expect(await c.connect()).toBe(true)
    expect(await c.sendAndWait(new Request(CHAT, 'x'), { timeout: 50 })).toBeNull()
    const ac = new AbortController()
    const aborted = c.sendAndWait(new Request(CHAT, 'y'), { signal: ac.signal, timeout: 5000 })
    ac.abort(new Error('changed my mind'))
    await expect(aborted).rejects.toBeInstanceOf(AbortError)
    const cut = c.sendAndWait(new Request(CHAT, 'z'), { timeout: 5000 })
    expect(c.stats().pendingRequests).toBe(1)
    const states: DisconnectState[] = []
    c.setCallback(Events.ON_DISCONNECT, (st: DisconnectState) => states.push(st))
    const cutRejects = expect(cut).rejects.toBeInstanceOf(ConnectionClosedError)
    await c.disconnect()
    await cutRejects
    expect(states).toEqual([expect.objectContaining({ reason: DisconnectReason.MANUAL, permanent: true })])
    await expect(c.sendAndWait(new Request(CHAT, 'late'))).rejects.toBeInstanceOf(NotConnectedError)
    expect(c.getSender().send(new Request(CHAT, 'late'))).toBe(false)
    expect(await c.pingServer()).toBeNull()
  })

  it('connect() resolves false for a closed port, after the retries, each reported', async () => {
    const s = await server()
    const url = s.url
    await s.close()
    const c = client({ url, retry: 2, retryDelay: 10 })
    const states: DisconnectState[] = []
    c.onDisconnect((st) => states.push(st))
    expect(await c.connect()).toBe(false)
    expect(c.lastError).toBeInstanceOf(ConnectError)
    expect(states.map((x) => [x.attempt, x.permanent, x.reason])).toEqual([
      [0, false, DisconnectReason.ERROR],
      [1, false, DisconnectReason.ERROR],
      [2, true, DisconnectReason.ERROR],
    ])
  })

  it('reconnects after the server restarts on the same port, with backoff', async () => {
    let s = await server()
    const port = s.port
    const c = client({ url: s.url, retry: 50, retryDelay: 20, backoff: { factor: 1.5, maxDelay: 100 } })
    let connects = 0
    const states: DisconnectState[] = []
    c.onConnect(() => connects++)
    c.onDisconnect((st) => states.push(st))
    expect(await c.connect()).toBe(true)
    const pending = c.sendAndWait(new Request(CHAT, 'in flight'), { timeout: 5000 })
    s.onMessage = () => {}
    const pendingRejects = expect(pending).rejects.toBeInstanceOf(ConnectionClosedError)
    await s.close()
    await pendingRejects
    await waitFor(() => states.length >= 2, 3000, 'failed reconnect attempts')
    expect(states[0]).toMatchObject({ attempt: 0, permanent: false, initial: false })
    expect(states[1]).toMatchObject({ attempt: 1, permanent: false, reason: DisconnectReason.ERROR })
    s = await server(port)
    await waitFor(() => connects === 2, 5000, 'the reconnect')
    expect(c.connected).toBe(true)
    expect(c.stats().reconnects).toBe(1)
    expect((await c.sendAndWait(new Request(CHAT, 'back')))?.text()).toBe('back')
  })

  it('sends its token to a server that authenticates, and reports a refusal, never retried', async () => {
    const s = new WsSessionServer()
    s.authenticate = (token) => token === 'open sesame'
    servers.push(await s.start())
    const ok = client({ url: s.url, token: 'open sesame' })
    expect(await ok.connect()).toBe(true)
    expect((await ok.sendAndWait(new Request(CHAT, 'in')))?.text()).toBe('in')
    const bad = client({ url: s.url, token: 'guess', retry: 3, retryDelay: 10 })
    const states: DisconnectState[] = []
    bad.onDisconnect((st) => states.push(st))
    expect(await bad.connect()).toBe(false)
    expect(bad.lastError).toBeInstanceOf(AuthenticationError)
    expect(states).toEqual([
      expect.objectContaining({ permanent: true, reason: DisconnectReason.AUTH_REFUSED }),
    ])
  })

  it('version mismatch: false at once, never retried', async () => {
    const url = await rawServer((ws) =>
      ws.send(
        node.encodeFrame({ code: 10, requestId: 1, payload: Uint8Array.of(0, 5, ...Buffer.from('2.0.0')) }),
      ),
    )
    const c = client({ url, retry: 5, retryDelay: 10 })
    const states: DisconnectState[] = []
    c.onDisconnect((st) => states.push(st))
    expect(await c.connect()).toBe(false)
    expect(c.lastError).toBeInstanceOf(VersionMismatchError)
    expect(states).toEqual([
      expect.objectContaining({ permanent: true, reason: DisconnectReason.VERSION_MISMATCH }),
    ])
  })

  it('answers HELLO with the HELLO id and the reference bytes, answers PING with PONG, refuses text', async () => {
    const seen: Buffer[] = []
    const url = await rawServer((ws) => {
      ws.on('message', (d: Buffer) => {
        seen.push(d)
        if (seen.length === 1) {
          ws.send(node.encodeFrame({ code: 0, requestId: 77, payload: new Uint8Array(0) }))
          ws.send('not a frame')
        }
      })
      ws.send(HELLO_1_6_3)
    })
    const c = client({ url })
    const states: DisconnectState[] = []
    c.onDisconnect((st) => states.push(st))
    expect(await c.connect()).toBe(true)
    await waitFor(() => states.length === 1 && seen.length >= 2, 3000, 'the PONG and the close')
    // HELLO_ACK: code 11, the HELLO's id, payload 00 05 "1.6.3" and nothing else.
    expect(seen[0]!.subarray(0, 2).toString('hex')).toBe('000b')
    expect(seen[0]!.readUInt32BE(18)).toBe(0x0a0b0c0d)
    expect(seen[0]!.subarray(22).toString('hex')).toBe('0005312e362e33')
    expect(seen[1]!.readUInt16BE(0)).toBe(1) // PONG
    expect(seen[1]!.readUInt32BE(18)).toBe(77)
    expect(states[0]).toMatchObject({ reason: DisconnectReason.PROTOCOL_ERROR })
    expect(states[0]!.error).toBeInstanceOf(MalformedFrameError)
  })

  it('drops a frame with a bad CRC (counted) and keeps the connection; closes on an oversized frame', async () => {
    const url = await rawServer((ws) => {
      ws.send(HELLO_1_6_3)
      ws.once('message', () => {
        const bad = node.encodeFrame({ code: 200, requestId: 5, payload: Buffer.from('corrupt') })
        bad[bad.length - 1]! ^= 0xff
        ws.send(bad)
        ws.send(node.encodeFrame({ code: 200, requestId: 6, payload: Buffer.from('fine') }))
        ws.send(node.encodeFrame({ code: 200, requestId: 7, payload: new Uint8Array(200) }))
      })
    })
    const logged: string[] = []
    const log = (m: string) => logged.push(m)
    const c = client({ url, maxMessageSize: 100, logger: { warn: log, error: log } })
    const got: string[] = []
    const states: DisconnectState[] = []
    c.onRecv((r) => got.push(r.text()))
    c.onDisconnect((st) => states.push(st))
    expect(await c.connect()).toBe(true)
    await waitFor(() => states.length === 1, 3000, 'the close')
    expect(got).toEqual(['fine'])
    expect(c.stats().droppedFrames.checksum).toBe(1)
    expect(states[0]!.error).toBeInstanceOf(FrameTooLargeError)
    expect(states[0]!.reason).toBe(DisconnectReason.PROTOCOL_ERROR)
    expect(logged.some((m) => m.includes('checksum mismatch'))).toBe(true)
    expect(logged.some((m) => m.includes('frame too large'))).toBe(true)
  })

  it('reports a refusal (ERROR before HELLO) and a server that never sends HELLO, typed', async () => {
    const refusing = await rawServer((ws) => {
      ws.send(node.encodeFrame({ code: 20, requestId: 1, payload: Buffer.from('server full') }))
      ws.close()
    })
    const a = client({ url: refusing })
    expect(await a.connect()).toBe(false)
    expect(a.lastError).toBeInstanceOf(ServerRefusedError)
    expect(a.lastError?.message).toContain('server full')

    const silent = await rawServer(() => {})
    const b = client({ url: silent, handshakeTimeout: 100 })
    expect(await b.connect()).toBe(false)
    expect(b.lastError).toBeInstanceOf(HandshakeTimeoutError)
  })
})
