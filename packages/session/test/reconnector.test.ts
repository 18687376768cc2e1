import {
  encodeHelloPayload,
  HELLO,
  MessageType,
  MessageTypeRegistry,
  Request,
  type Response,
} from '@veltix/codec'
import { afterEach, describe, expect, it } from 'vitest'
import { OfflineQueue } from '../src/client/offline-queue.js'
import {
  DisconnectReason,
  type DisconnectState,
  NotConnectedError,
  OfflineQueueFullError,
  Reconnector,
  type ReconnectorInit,
  type Session,
  VersionMismatchError,
} from '../src/index.js'
import { FakeServer } from './helpers/fake-server.js'
import { createTappedPair, ticks } from './helpers/tapped-pair.js'

const CHAT = new MessageType(200, 'chat')
const registry = new MessageTypeRegistry()
registry.register(CHAT)

const clients: Reconnector[] = []
const servers: FakeServer[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) await c.disconnect()
  for (const s of servers.splice(0)) s.crash()
})

function setup(init: Partial<ReconnectorInit> = {}) {
  const server = new FakeServer(registry)
  servers.push(server)
  const states: DisconnectState[] = []
  const got: Response[] = []
  const connects: boolean[] = []
  const errors: Error[] = []
  const client = new Reconnector({
    dial: server.dial,
    session: { registry },
    retryDelay: 10,
    onDisconnect: (s) => states.push(s),
    onMessage: (r) => got.push(r),
    onConnect: (_s, re) => connects.push(re),
    onError: (e) => errors.push(e),
    ...init,
  })
  clients.push(client)
  return { server, client, states, got, connects, errors }
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 2))
  }
}

describe('Reconnector', () => {
  it('connect resolves after the handshake; messages flow both ways', async () => {
    const { client, got, connects, server } = setup()
    const s = await client.connect()
    expect(s.handshakeDone).toBe(true)
    expect(client.state).toBe('connected')
    expect(connects).toEqual([false])
    expect(client.send(new Request(CHAT, 'hi'))).toBe(true)
    await until(() => got.length === 1)
    expect(got[0]!.text()).toBe('hi')
    expect(server.received).toHaveLength(1)
    const reply = await client.sendAndWait(new Request(CHAT, 'q'), { timeout: 2000 })
    expect(reply?.text()).toBe('q')
    expect(typeof (await client.ping({ timeout: 2000 }))).toBe('number')
  })

  it('retry 0: a server close is a permanent SERVER_CLOSED', async () => {
    const { client, server, states } = setup()
    await client.connect()
    await server.sessions[0]!.close()
    await until(() => states.length === 1)
    expect(states[0]).toMatchObject({
      permanent: true,
      attempt: 0,
      retryMax: 0,
      reason: DisconnectReason.SERVER_CLOSED,
      initial: false,
    })
    expect(client.state).toBe('stopped')
    expect(() => client.send(new Request(CHAT, 'x'))).toThrow(NotConnectedError)
    await expect(client.sendAndWait(new Request(CHAT, 'x'))).rejects.toBeInstanceOf(NotConnectedError)
  })

  it('reconnects after a server restart, emits a state per attempt, flushes the offline queue in order', async () => {
    const { client, server, states, connects } = setup({ retry: 5 })
    const first = await client.connect()
    server.up = false
    server.crash()
    await until(() => states.length >= 1)
    expect(states[0]).toMatchObject({
      permanent: false,
      attempt: 0,
      retryMax: 5,
      reason: DisconnectReason.ERROR,
    })
    // sent while disconnected: queued
    expect(client.send(new Request(CHAT, 'q1'))).toBe(true)
    expect(client.send(new Request(CHAT, 'q2'))).toBe(true)
    expect(client.offlineQueue?.size).toBe(2)
    await until(() => states.length >= 2)
    expect(states[1]).toMatchObject({ permanent: false, attempt: 1, reason: DisconnectReason.ERROR })
    expect((states[1]!.error as Error & { code?: string }).code).toBe('ECONNREFUSED')
    server.up = true
    await until(() => connects.length === 2)
    expect(connects).toEqual([false, true])
    const second = client.session!
    expect(second).not.toBe(first)
    await until(() => server.received.length === 2)
    expect(server.received.map((r) => r.text())).toEqual(['q1', 'q2'])
    expect(client.offlineQueue?.size).toBe(0)
  })

  it('gives up after `retry` attempts with a permanent state, and reports queued messages left unsent', async () => {
    const { client, server, states, errors } = setup({ retry: 2 })
    await client.connect()
    server.up = false
    server.crash()
    await until(() => states.length >= 1)
    client.send(new Request(CHAT, 'never'))
    await until(() => states.some((s) => s.permanent))
    expect(states.map((s) => [s.attempt, s.permanent])).toEqual([
      [0, false],
      [1, false],
      [2, true],
    ])
    expect(client.state).toBe('stopped')
    expect(errors.some((e) => e instanceof NotConnectedError && /1 queued/.test(e.message))).toBe(true)
    expect(client.offlineQueue?.clear().map((r) => r.payload.length)).toEqual([5])
  })

  it('initial connect retries too and rejects with the last error', async () => {
    const { client, server, states } = setup({ retry: 2 })
    server.up = false
    const err = await client.connect().catch((e) => e)
    expect(err.code).toBe('ECONNREFUSED')
    expect(server.dials).toBe(3)
    expect(states.map((s) => [s.attempt, s.permanent, s.initial])).toEqual([
      [0, false, true],
      [1, false, true],
      [2, true, true],
    ])
  })

  it('stopRetry() during the delay emits a permanent MANUAL state; retry({ max }) reconnects', async () => {
    const { client, server, states } = setup({ retry: 100, retryDelay: 60_000 })
    await client.connect()
    server.crash()
    await until(() => states.length === 1)
    client.stopRetry()
    await until(() => states.length === 2)
    expect(states[1]).toMatchObject({ permanent: true, reason: DisconnectReason.MANUAL })
    expect(client.state).toBe('stopped')
    expect(await client.retry({ max: 1 })).toBe(true)
    expect(client.retryMax).toBe(1)
    expect(client.connected).toBe(true)
  })

  it('retry({ max }) honours max', async () => {
    const { client, server, states } = setup({ retry: 0 })
    server.up = false
    await client.connect().catch(() => {})
    states.length = 0
    expect(await client.retry({ max: 3 })).toBe(false)
    expect(states.map((s) => s.attempt)).toEqual([0, 1, 2, 3])
    expect(states.at(-1)!.permanent).toBe(true)
    expect(states.at(-1)!.retryMax).toBe(3)
  })

  it('a version mismatch is never retried', async () => {
    const states: DisconnectState[] = []
    let dials = 0
    const client = new Reconnector({
      retry: 5,
      retryDelay: 1,
      session: { registry },
      onDisconnect: (s) => states.push(s),
      dial: async () => {
        dials++
        const [a, b] = createTappedPair()
        a.send(HELLO.code, 9, encodeHelloPayload('2.0.0'))
        return b
      },
    })
    clients.push(client)
    await expect(client.connect()).rejects.toBeInstanceOf(VersionMismatchError)
    expect(dials).toBe(1)
    expect(states).toEqual([
      expect.objectContaining({ permanent: true, reason: DisconnectReason.VERSION_MISMATCH }),
    ])
  })

  it('disconnect() emits a permanent MANUAL state and does not reconnect', async () => {
    const { client, server, states } = setup({ retry: 5 })
    await client.connect()
    await client.disconnect()
    await ticks()
    expect(states).toEqual([expect.objectContaining({ permanent: true, reason: DisconnectReason.MANUAL })])
    expect(server.dials).toBe(1)
    expect(client.state).toBe('idle')
    expect(() => client.send(new Request(CHAT, 'x'))).toThrow(NotConnectedError)
  })

  it('disconnect() during the initial connect rejects it with NotConnectedError', async () => {
    const { client, server } = setup({ retry: 100, retryDelay: 60_000 })
    server.up = false
    const p = client.connect()
    await until(() => server.dials === 1)
    await ticks()
    await client.disconnect()
    await expect(p).rejects.toBeInstanceOf(NotConnectedError)
  })

  it('connect({ signal }) aborts', async () => {
    const { client, server } = setup({ retry: 100, retryDelay: 60_000 })
    server.up = false
    const ac = new AbortController()
    const p = client.connect({ signal: ac.signal })
    await until(() => server.dials === 1)
    ac.abort()
    const err = await p.catch((e) => e)
    expect(err.name).toBe('AbortError')
  })

  it('offline queue full -> OfflineQueueFullError; offlineQueue: false -> NotConnectedError', async () => {
    const a = setup({ retry: 5, retryDelay: 60_000, offlineQueue: { maxMessages: 1 } })
    await a.client.connect()
    a.server.crash()
    await until(() => a.states.length === 1)
    a.client.send(new Request(CHAT, 'x'))
    expect(() => a.client.send(new Request(CHAT, 'y'))).toThrow(OfflineQueueFullError)

    const b = setup({ retry: 5, retryDelay: 60_000, offlineQueue: false })
    await b.client.connect()
    b.server.crash()
    await until(() => b.states.length === 1)
    expect(() => b.client.send(new Request(CHAT, 'x'))).toThrow(NotConnectedError)
  })

  it('backoff: exponential, capped, jitter only shortens', () => {
    const { client } = setup({ retryDelay: 100, backoff: { factor: 2, maxDelay: 1000, jitter: 0 } })
    expect([1, 2, 3, 4, 5, 6].map((k) => client.delayFor(k))).toEqual([100, 200, 400, 800, 1000, 1000])
    const j = setup({ retryDelay: 100, backoff: { factor: 2, maxDelay: 1000, jitter: 0.5 } }).client
    for (let k = 1; k < 50; k++) {
      const d = j.delayFor(3)
      expect(d).toBeGreaterThanOrEqual(200)
      expect(d).toBeLessThanOrEqual(400)
    }
    expect(setup({ retryDelay: 250 }).client.delayFor(7)).toBe(250)
  })

  it('the reconnector object stays; only the session underneath is replaced', async () => {
    const { client, server, connects } = setup({ retry: 3 })
    const sessions: Session[] = [await client.connect()]
    server.crash()
    await until(() => connects.length === 2)
    sessions.push(client.session!)
    expect(sessions[0]).not.toBe(sessions[1])
    expect(sessions[0]!.closed).toBe(true)
    expect((await client.sendAndWait(new Request(CHAT, 'after'), { timeout: 2000 }))?.text()).toBe('after')
  })
})

describe('OfflineQueue', () => {
  it('bounds by bytes (22-byte header + payload) and flushes in order, keeping what the connection refuses', () => {
    const q = new OfflineQueue({ maxMessages: 10, maxBytes: 100 })
    q.push(new Request(CHAT, new Uint8Array(28))) // 50
    q.push(new Request(CHAT, new Uint8Array(28))) // 100
    expect(() => q.push(new Request(CHAT, new Uint8Array(0)))).toThrow(OfflineQueueFullError)
    expect(q.bytes).toBe(100)
    let n = 0
    expect(q.flush(() => n++ === 0)).toBe(1)
    expect(q.size).toBe(1)
    expect(q.bytes).toBe(50)
    expect(q.flush(() => true)).toBe(1)
    expect(q.size).toBe(0)
    expect(q.bytes).toBe(0)
  })
})
