import type { Frame } from '@veltix/codec'
import { type Connection, createConnectionPair } from '@veltix/transport'
import { describe, expect, it } from 'vitest'
import { ClientInfo, MessageType, Request } from '../src/index.js'
import { Sender, type SenderBackend } from '../src/sender.js'
import { emptyStats } from '../src/stats.js'

const CHAT = new MessageType(200, 'chat')

function pair(): { local: Connection; got: Frame[] } {
  const [local, remote] = createConnectionPair()
  const got: Frame[] = []
  remote.setHandler({ frame: (f) => got.push({ ...f, payload: new Uint8Array(f.payload) }), close: () => {} })
  local.setHandler({ frame: () => {}, close: () => {} })
  return { local, got }
}

// The ClientInfo of each connection, made through infoOf(); the backend resolves either to the connection.
const infos = new Map<ClientInfo, Connection>()
function infoOf(conn: Connection): ClientInfo {
  const i = new ClientInfo(conn, {
    handshakeDone: true,
    stats: emptyStats,
    send: () => false,
    closeGracefully: () => conn.close(),
  })
  infos.set(i, conn)
  return i
}

function sender(all: Connection[]): Sender {
  const backend: SenderBackend<Connection> = {
    resolve: (t) => (t instanceof ClientInfo ? infos.get(t) : (t as Connection)),
    closed: (conn) => conn.closed,
    send: (req, conn) => {
      const r = conn!.send(req.type.code, req.id, req.payload)
      return r === 'ok' || r === 'backpressure'
    },
    broadcast: (req, to) => {
      let n = 0
      for (const c of to) if (c.send(req.type.code, req.id, req.payload) === 'ok') n++
      return n
    },
    defaultTargets: () => all,
  }
  return new Sender(backend as SenderBackend<unknown>)
}

describe('Sender', () => {
  it('send is false, never a throw, on a closed connection; takes a ClientInfo too', async () => {
    const a = pair()
    const s = sender([a.local])
    const info = infoOf(a.local)
    expect(s.send(new Request(CHAT, 'one'), a.local)).toBe(true)
    expect(s.send(new Request(CHAT, 'two'), info)).toBe(true)
    await a.local.close()
    expect(s.send(new Request(CHAT, 'late'), a.local)).toBe(false)
    expect(s.send(new Request(CHAT, 'late'), info)).toBe(false)
    expect(a.got.map((f) => Buffer.from(f.payload).toString())).toEqual(['one', 'two'])
  })

  it('broadcast skips excluded, closed and repeated targets, and defaults to every client', async () => {
    const [a, b, c, d] = [pair(), pair(), pair(), pair()]
    const s = sender([a.local, b.local, c.local])
    await d.local.close()
    const infoB = infoOf(b.local)
    expect(s.broadcast(new Request(CHAT, 'x'), [a.local, infoB, a.local, c.local, d.local], [c.local])).toBe(
      2,
    )
    expect(s.broadcast(new Request(CHAT, 'y'), undefined, [infoB])).toBe(2)
    expect(s.broadcast(new Request(CHAT, 'z'), [])).toBe(0)
    await new Promise((r) => setTimeout(r, 10))
    const texts = (p: { got: Frame[] }) => p.got.map((f) => Buffer.from(f.payload).toString())
    expect(texts(a)).toEqual(['x', 'y'])
    expect(texts(b)).toEqual(['x'])
    expect(texts(c)).toEqual(['y'])
    expect(texts(d)).toEqual([])
    for (const p of [a, b, c]) await p.local.close()
  })

  it('a broadcast to everyone goes through broadcastAll: no list built, a skip set only for except', async () => {
    const [a, b] = [pair(), pair()]
    const calls: (Set<unknown> | undefined)[] = []
    const backend: SenderBackend<Connection> = {
      resolve: (t) => (t instanceof ClientInfo ? infos.get(t) : (t as Connection)),
      closed: (conn) => conn.closed,
      send: () => false,
      broadcast: () => {
        throw new Error('the list path must not run for a broadcast to everyone')
      },
      broadcastAll: (_req, skip) => {
        calls.push(skip === undefined ? undefined : new Set(skip))
        return 7
      },
      defaultTargets: () => [a.local, b.local],
    }
    const s = new Sender(backend as SenderBackend<unknown>)
    expect(s.broadcast(new Request(CHAT, 'x'))).toBe(7)
    expect(s.broadcast(new Request(CHAT, 'y'), undefined, [infoOf(b.local)])).toBe(7)
    expect(s.broadcast(new Request(CHAT, 'z'), undefined, [])).toBe(7)
    expect(calls).toEqual([undefined, new Set([b.local]), undefined])
    // An explicit list still takes the list path.
    expect(() => s.broadcast(new Request(CHAT, 'w'), [a.local])).toThrow(/list path/)
    for (const p of [a, b]) await p.local.close()
  })
})
