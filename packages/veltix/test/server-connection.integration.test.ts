// The handle a client application gets for its connection (`client.connection`): addresses, wire counters
// and a graceful close, never the raw transport connection (so nothing is written past the session).
import { afterEach, describe, expect, it } from 'vitest'
import {
  type ClientInfo,
  Events,
  MessageType,
  Request,
  type Response,
  ServerConnection,
  SocketCore,
} from '../src/index.js'
import { deferred, Fixture, waitFor } from './helpers.js'

const CHAT = new MessageType(201, 'chat')

describe('client.connection', () => {
  const fx = new Fixture(SocketCore.LOOP)
  afterEach(() => fx.close())

  async function connected(clientInit = {}) {
    const server = fx.server({})
    const info = deferred<ClientInfo>()
    const got: Response[] = []
    server.setCallback(Events.ON_CONNECT, (c) => info.resolve(c))
    server.setCallback(Events.ON_RECV, (_c, r) => {
      got.push(r)
    })
    await server.start()
    const client = fx.client(server, clientInit)
    expect(client.connection).toBeNull()
    expect(await client.connect()).toBe(true)
    return { server, client, got, info: await info.promise }
  }

  it('is a handle with no way to write frames, stable while the connection lives', async () => {
    const { client, info } = await connected()
    const conn = client.connection!
    expect(conn).toBeInstanceOf(ServerConnection)
    expect(client.connection).toBe(conn)
    for (const raw of ['send', 'sendEncoded', 'setHandler', 'destroy']) {
      expect(raw in conn, raw).toBe(false)
    }
    for (const v of Object.values(conn)) {
      expect(typeof v === 'object' && v !== null && 'sendEncoded' in v).toBe(false)
    }
    expect(conn.remoteAddress).toBe('127.0.0.1')
    expect(conn.localPort).toBe(info.addr[1])
    expect(conn.closed).toBe(false)
    expect(conn.encrypted).toBe(false)
    expect(conn.bufferedAmount).toBeGreaterThanOrEqual(0)
  })

  it('identifies the connection to client.sender, and its stats count the wire', async () => {
    const { client, got } = await connected()
    const conn = client.connection!
    const before = conn.stats.bytesOut
    const sent = client.stats().messagesOut
    expect(client.sender.send(new Request(CHAT, 'to handle'), conn)).toBe(true)
    expect(client.sender.broadcast(new Request(CHAT, 'fan'), [conn])).toBe(1)
    await waitFor(() => got.length === 2)
    expect(got.map((r) => r.text())).toEqual(['to handle', 'fan'])
    expect(conn.stats.bytesOut).toBeGreaterThan(before)
    expect(client.stats().messagesOut).toBe(sent + 2)
  })

  it('close() is graceful: it resolves once closed, the client sees the disconnect, the server the close', async () => {
    const { client, info } = await connected()
    const gone = deferred<void>()
    client.setCallback(Events.ON_DISCONNECT, () => gone.resolve())
    const first = client.connection!
    await first.close()
    expect(first.closed).toBe(true)
    await gone.promise
    await waitFor(() => info.closed)
    expect(client.connection === null || client.connection !== first).toBe(true)
  })
})
