import { setMaxListeners } from 'node:events'
import {
  encodeFrame,
  encodeHelloPayload,
  HELLO,
  MessageType,
  MessageTypeRegistry,
  PING,
  PONG,
  Request,
  type Response,
} from '@veltix/codec'
import type { ConnectionPairInit } from '@veltix/transport'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AbortError,
  ConnectionClosedError,
  DuplicateRequestIdError,
  NotConnectedError,
  SendRejectedError,
  Session,
  type SessionInit,
} from '../src/index.js'
import { createTappedPair, type TappedConnection, ticks } from './helpers/tapped-pair.js'

const ECHO = new MessageType(201, 'echo')
const CHAT = new MessageType(200, 'chat')
const registry = new MessageTypeRegistry()
registry.register(ECHO)
registry.register(CHAT)

const sessions: Session[] = []
afterEach(() => {
  for (const s of sessions.splice(0)) s.destroy()
})

interface Pair {
  server: Session
  client: Session
  a: TappedConnection
  b: TappedConnection
  serverGot: Response[]
  clientGot: Response[]
}

/** A connected pair; the server echoes ECHO requests unless `echo` is false. */
async function pair(
  opts: {
    echo?: boolean
    server?: Partial<SessionInit>
    client?: Partial<SessionInit>
    transport?: ConnectionPairInit
  } = {},
): Promise<Pair> {
  const [a, b] = createTappedPair(opts.transport)
  const serverGot: Response[] = []
  const clientGot: Response[] = []
  const server = new Session({
    connection: a,
    role: 'server',
    registry,
    onMessage: (r, s) => {
      serverGot.push(r)
      if (opts.echo !== false && r.type === ECHO) s.send(new Request(ECHO, r.content, { requestId: r.id }))
    },
    ...opts.server,
  })
  const client = new Session({
    connection: b,
    role: 'client',
    registry,
    onMessage: (r) => clientGot.push(r),
    ...opts.client,
  })
  sessions.push(server, client)
  await Promise.all([server.ready, client.ready])
  return { server, client, a, b, serverGot, clientGot }
}

describe('ping', () => {
  it('PING is answered with PONG carrying the same id and never reaches onMessage', async () => {
    const { a, b, serverGot } = await pair()
    b.send(PING.code, 0x0badf00d, new Uint8Array(0))
    await ticks()
    const pong = a.sent.find((f) => f.code === PONG.code)!
    expect(pong.requestId).toBe(0x0badf00d)
    expect(pong.payload.length).toBe(0)
    expect(serverGot).toHaveLength(0)
  })

  it('PING is answered even before the handshake', async () => {
    const [a, b] = createTappedPair()
    const client = new Session({ connection: b, role: 'client', registry })
    sessions.push(client)
    a.send(PING.code, 42, new Uint8Array(0))
    await ticks()
    expect(b.sent).toEqual([expect.objectContaining({ code: PONG.code, requestId: 42 })])
    expect(client.handshakeDone).toBe(false)
  })

  it('ping() resolves the round trip in ms, both directions', async () => {
    const { server, client } = await pair()
    const [r1, r2] = await Promise.all([client.ping(), server.ping()])
    for (const r of [r1, r2]) {
      expect(typeof r).toBe('number')
      expect(r).toBeGreaterThanOrEqual(0)
    }
    expect(client.stats.lastRtt).toBe(r1)
    expect(client.pendingCount).toBe(0)
  })

  it('ping() resolves null on timeout and a late PONG is dropped', async () => {
    const [a, b] = createTappedPair()
    const got: Response[] = []
    const client = new Session({ connection: b, role: 'client', registry, onMessage: (r) => got.push(r) })
    sessions.push(client)
    a.send(HELLO.code, 1, encodeHelloPayload('1.6.3'))
    await client.ready
    expect(await client.ping({ timeout: 20 })).toBeNull()
    const ping = b.sent.find((f) => f.code === PING.code)!
    a.send(PONG.code, ping.requestId, new Uint8Array(0))
    await ticks()
    expect(got).toHaveLength(0)
    expect(client.stats.droppedFrames.unsolicitedPong).toBe(1)
    expect(client.timerArmed).toBe(false)
  })
})

describe('sendAndWait', () => {
  it('resolves the first frame with the id, with latency; the reply does not reach onMessage', async () => {
    const { client, clientGot } = await pair()
    const req = new Request(ECHO, 'hello')
    const res = await client.sendAndWait(req, { timeout: 2000 })
    expect(res?.text()).toBe('hello')
    expect(res?.id).toBe(req.id)
    expect(res?.type).toBe(ECHO)
    expect(res?.latency).toBeGreaterThanOrEqual(0)
    expect(clientGot).toHaveLength(0)
    expect(client.pendingCount).toBe(0)
    expect(client.timerArmed).toBe(false)
  })

  it('any type with the id completes the wait (as the reference)', async () => {
    const { client, a } = await pair({ echo: false })
    const req = new Request(ECHO, 'q')
    const p = client.sendAndWait(req)
    await ticks()
    a.send(CHAT.code, req.id, new TextEncoder().encode('other type'))
    const res = await p
    expect(res?.type).toBe(CHAT)
  })

  it('null on timeout; a reply after the timeout is delivered as a normal message', async () => {
    const { client, a, clientGot } = await pair({ echo: false })
    const req = new Request(ECHO, 'slow')
    expect(await client.sendAndWait(req, { timeout: 20 })).toBeNull()
    expect(client.pendingCount).toBe(0)
    expect(client.timerArmed).toBe(false)
    a.send(ECHO.code, req.id, new TextEncoder().encode('late'))
    await ticks()
    expect(clientGot.map((r) => r.text())).toEqual(['late'])
  })

  it('rejects AbortError on abort, leaves nothing pending, and a reply afterwards is a normal message', async () => {
    const { client, a, clientGot } = await pair({ echo: false })
    const ac = new AbortController()
    const req = new Request(ECHO, 'x')
    const p = client.sendAndWait(req, { signal: ac.signal })
    ac.abort(new Error('user'))
    const err = await p.catch((e) => e)
    expect(err).toBeInstanceOf(AbortError)
    expect(err.name).toBe('AbortError')
    expect(err.cause).toEqual(new Error('user'))
    expect(client.pendingCount).toBe(0)
    expect(client.timerArmed).toBe(false)
    a.send(ECHO.code, req.id, new Uint8Array(0))
    await ticks()
    expect(clientGot).toHaveLength(1)
  })

  it('rejects at once on an already-aborted signal', async () => {
    const { client, b } = await pair()
    const sent = b.sent.length
    const err = await client
      .sendAndWait(new Request(ECHO, 'x'), { signal: AbortSignal.abort() })
      .catch((e) => e)
    expect(err).toBeInstanceOf(AbortError)
    expect(b.sent.length).toBe(sent)
  })

  it('5,000 waits pending when the connection closes: all reject ConnectionClosedError, no timers left', async () => {
    const { client, server } = await pair({ echo: false })
    const ac = new AbortController()
    setMaxListeners(5000, ac.signal)
    const waits = Array.from({ length: 5000 }, (_, i) =>
      client.sendAndWait(new Request(ECHO, 'x'), {
        timeout: 60_000 + i,
        signal: i % 2 ? ac.signal : undefined,
      }),
    )
    expect(client.pendingCount).toBe(5000)
    expect(client.timerArmed).toBe(true)
    await ticks()
    server.destroy()
    const results = await Promise.allSettled(waits)
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof ConnectionClosedError)).toBe(
      true,
    )
    expect(client.pendingCount).toBe(0)
    expect(client.timerArmed).toBe(false)
    ac.abort() // listeners were removed: nothing settles twice
  })

  it('thousands of waits with varied timeouts settle exactly once each, in deadline order', async () => {
    const { client } = await pair({ echo: false })
    const order: number[] = []
    const timeouts = Array.from({ length: 2000 }, (_, i) => ((i * 7919) % 50) + 1)
    const waits = timeouts.map((t, i) =>
      client.sendAndWait(new Request(ECHO, 'x'), { timeout: t }).then((r) => {
        order.push(i)
        return r
      }),
    )
    const results = await Promise.all(waits)
    expect(results.every((r) => r === null)).toBe(true)
    expect(order).toHaveLength(2000)
    // expiry follows deadlines: a wait never expires before one with a deadline more than 1 ms earlier
    const expiredAt = new Map(order.map((idx, pos) => [idx, pos]))
    const sorted = [...timeouts.keys()].sort((x, y) => timeouts[x]! - timeouts[y]!)
    for (let k = 1; k < sorted.length; k++) {
      const prev = sorted[k - 1]!
      const cur = sorted[k]!
      if (timeouts[cur]! - timeouts[prev]! > 1) expect(expiredAt.get(prev)!).toBeLessThan(expiredAt.get(cur)!)
    }
    expect(client.timerArmed).toBe(false)
  })

  it('rejects NotConnectedError once closed', async () => {
    const { client } = await pair()
    client.destroy()
    await expect(client.sendAndWait(new Request(ECHO, 'x'))).rejects.toBeInstanceOf(NotConnectedError)
    await expect(client.ping()).rejects.toBeInstanceOf(NotConnectedError)
  })

  it('a caller-supplied id already pending is a DuplicateRequestIdError; the first wait is untouched', async () => {
    const { client } = await pair()
    const first = client.sendAndWait(new Request(ECHO, 'a', { requestId: 77 }))
    await expect(client.sendAndWait(new Request(ECHO, 'b', { requestId: 77 }))).rejects.toBeInstanceOf(
      DuplicateRequestIdError,
    )
    expect((await first)?.text()).toBe('a')
  })

  it('a generated id that collides with a pending one is replaced by a fresh id', async () => {
    const { client } = await pair()
    const req = new Request(ECHO, 'same object')
    const [r1, r2] = await Promise.all([client.sendAndWait(req), client.sendAndWait(req)])
    expect(r1?.text()).toBe('same object')
    expect(r2?.text()).toBe('same object')
    expect(r1?.id).not.toBe(r2?.id)
  })

  it('a refused send rejects with SendRejectedError and leaves nothing pending', async () => {
    const { client, b } = await pair()
    b.sendResult = 'overflow'
    const err = await client.sendAndWait(new Request(ECHO, 'x')).catch((e) => e)
    expect(err).toBeInstanceOf(SendRejectedError)
    expect(err.result).toBe('overflow')
    expect(client.pendingCount).toBe(0)
    expect(client.timerArmed).toBe(false)
  })

  it('the server may ask the client too', async () => {
    const { server, clientGot, b } = await pair()
    const req = new Request(CHAT, 'question')
    const p = server.sendAndWait(req, { timeout: 2000 })
    await ticks()
    expect(clientGot).toHaveLength(1)
    b.send(CHAT.code, req.id, new TextEncoder().encode('answer'))
    expect((await p)?.text()).toBe('answer')
  })
})

describe('heartbeat', () => {
  it('closes a peer that stops answering pings', async () => {
    const [a, b] = createTappedPair()
    const client = new Session({
      connection: b,
      role: 'client',
      registry,
      heartbeat: { interval: 20, timeout: 20 },
    })
    sessions.push(client)
    a.send(HELLO.code, 1, encodeHelloPayload('1.6.3')) // a raw peer that never answers PING
    await client.ready
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (client.closed) {
          clearInterval(t)
          resolve()
        }
      }, 5)
    })
    expect(client.closeInfo).toMatchObject({ reason: 'heartbeat-timeout', handshakeDone: true })
    expect(client.closeInfo?.error?.name).toBe('HeartbeatTimeoutError')
    expect(b.sent.some((f) => f.code === PING.code)).toBe(true)
    expect(client.pendingCount).toBe(0)
  })

  it('keeps a peer that answers', async () => {
    const { client } = await pair({ client: { heartbeat: { interval: 10 } } })
    await new Promise((r) => setTimeout(r, 80))
    expect(client.closed).toBe(false)
    expect(client.stats.lastRtt).not.toBeNull()
  })
})

describe('bad input', () => {
  it('decode errors are counted and reported; the session stays', async () => {
    const errors: Error[] = []
    // Real decode errors: a frame with a bad CRC and one whose code the client's registry does not know.
    const { client, a } = await pair({ client: { onError: (e) => errors.push(e) }, transport: { registry } })
    const bad = encodeFrame({ code: CHAT.code, requestId: 1, payload: new Uint8Array([1, 2]) })
    bad[bad.length - 1]! ^= 0xff
    a.sendEncoded(bad)
    a.sendEncoded(encodeFrame({ code: 250, requestId: 2, payload: new Uint8Array([3]) }))
    await ticks()
    expect(client.stats.droppedFrames.checksum).toBe(1)
    expect(client.stats.droppedFrames.unknownType).toBe(1)
    expect(errors.map((e) => e.name)).toEqual(['ChecksumMismatchError', 'UnknownMessageTypeError'])
    expect(client.closed).toBe(false)
    expect(await client.ping({ timeout: 2000 })).not.toBeNull()
  })

  it('a throwing onMessage is reported through onError and reception continues', async () => {
    const errors: Error[] = []
    let n = 0
    const { server, b } = await pair({
      server: {
        onMessage: () => {
          n++
          throw new Error('boom')
        },
        onError: (e) => errors.push(e),
      },
    })
    b.send(CHAT.code, 1, new Uint8Array(0))
    b.send(CHAT.code, 2, new Uint8Array(0))
    await ticks()
    expect(n).toBe(2)
    expect(errors.map((e) => e.message)).toEqual(['boom', 'boom'])
    expect(server.closed).toBe(false)
  })

  it('late HELLO / HELLO_ACK after the handshake are dropped', async () => {
    const { client, a, clientGot } = await pair()
    a.send(HELLO.code, 5, encodeHelloPayload('1.6.3'))
    await ticks()
    expect(clientGot).toHaveLength(0)
    expect(client.stats.droppedFrames.handshake).toBe(1)
  })
})
