// The handle an application gets for a server-side connection: ClientInfo and its conn reach the peer only
// through the session (counted, sealed when encrypted), never through the raw transport connection.
import { afterEach, describe, expect, it } from 'vitest'
import {
  ClientConnection,
  type ClientInfo,
  Events,
  generateIdentity,
  MessageType,
  Request,
  type Response,
  SocketCore,
  UnknownClientError,
} from '../src/index.js'
import { deferred, Fixture, waitFor } from './helpers.js'

const CHAT = new MessageType(200, 'chat')

describe('ClientInfo and its conn', () => {
  const fx = new Fixture(SocketCore.LOOP)
  afterEach(() => fx.close())

  async function connected(init: Parameters<Fixture['server']>[0] = {}, clientInit = {}) {
    const server = fx.server(init)
    const info = deferred<ClientInfo>()
    server.setCallback(Events.ON_CONNECT, (c) => info.resolve(c))
    await server.start()
    const client = fx.client(server, clientInit)
    const got: Response[] = []
    client.setCallback(Events.ON_RECV, (r) => {
      got.push(r)
    })
    expect(await client.connect()).toBe(true)
    return { server, client, got, info: await info.promise }
  }

  it('conn is a handle with no way to write frames, and no raw connection is reachable', async () => {
    const { server, info } = await connected()
    const conn = info.conn
    expect(conn).toBeInstanceOf(ClientConnection)
    expect(info.conn).toBe(conn) // one handle per client
    for (const raw of ['send', 'sendEncoded', 'setHandler', 'destroy', 'stats', 'bufferedAmount']) {
      expect(raw in conn, raw).toBe(false)
    }
    expect(conn.remoteAddress).toBe('127.0.0.1')
    expect(conn.remotePort).toBe(info.addr[1])
    expect(conn.closed).toBe(false)
    expect(conn.toString()).toBe(info.toString())
    // Nothing enumerable on either object leads to a transport connection.
    for (const v of [...Object.values(info), ...Object.values(conn)]) {
      expect(typeof v === 'object' && v !== null && 'sendEncoded' in v).toBe(false)
    }
    expect(server.getClient(conn)).toBe(info)
    expect(server.getAllClientsSockets()).toEqual([conn])
  })

  it('send goes through the session: delivered, counted, false once closed', async () => {
    const { client, got, info } = await connected()
    const before = info.stats().messagesOut
    expect(info.send(new Request(CHAT, 'direct'))).toBe(true)
    await waitFor(() => got.length === 1)
    expect(got[0]!.text()).toBe('direct')
    expect(info.stats().messagesOut).toBe(before + 1)
    await client.disconnect()
    await waitFor(() => info.closed)
    expect(info.send(new Request(CHAT, 'late'))).toBe(false)
  })

  it('on an encrypted connection what send writes is sealed (the client reads it in clear)', async () => {
    const identity = generateIdentity()
    const { client, got, info } = await connected(
      { encryption: 'required', identity },
      { encryption: 'required', trustOnFirstUse: true },
    )
    expect(client.encrypted && info.encrypted).toBe(true)
    expect(info.send(new Request(CHAT, 'sealed'))).toBe(true)
    expect(info.conn.closed).toBe(false)
    await waitFor(() => got.length === 1)
    expect(got[0]!.text()).toBe('sealed')
    expect(Object.values(client.stats().droppedFrames).every((n) => n === 0)).toBe(true)
  })

  it('conn.close() closes gracefully through the session: ON_DISCONNECT once on each side', async () => {
    const { server, client, info } = await connected()
    const ends: ClientInfo[] = []
    server.setCallback(Events.ON_DISCONNECT, (c) => {
      ends.push(c)
    })
    const lost = deferred<void>()
    client.setCallback(Events.ON_DISCONNECT, () => lost.resolve())
    await info.conn.close()
    expect(info.closed).toBe(true)
    await lost.promise
    await waitFor(() => ends.length === 1)
    expect(ends).toEqual([info])
    expect(server.getAllClients()).toEqual([])
  })

  it('a ClientInfo of another server is not a target of this one', async () => {
    const { info } = await connected()
    const other = fx.server()
    await other.start()
    expect(other.getSender().send(new Request(CHAT, 'x'), info)).toBe(false)
    expect(other.getSender().broadcast(new Request(CHAT, 'x'), [info.conn])).toBe(0)
    expect(other.getClient(info.conn)).toBeUndefined()
    await expect(other.sendAndWait(new Request(CHAT, 'x'), info)).rejects.toBeInstanceOf(UnknownClientError)
  })
})
