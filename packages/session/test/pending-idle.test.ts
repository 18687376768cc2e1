import { encodeHelloPayload, HELLO, MessageType, MessageTypeRegistry, Request } from '@veltix/codec'
import { LogLevel } from '@veltix/logger'
import { afterEach, describe, expect, it } from 'vitest'
import { ConnectionClosedError, Session } from '../src/index.js'
import { PendingTable, type PendingWait } from '../src/protocol/pending-table.js'
import { createTappedPair, ticks } from './helpers/tapped-pair.js'

const ECHO = new MessageType(201, 'echo')
const registry = new MessageTypeRegistry()
registry.register(ECHO)

const sessions: Session[] = []
afterEach(() => {
  for (const s of sessions.splice(0)) s.destroy()
})

function wait(id: number, deadline: number, log: string[]): PendingWait<string> {
  return {
    id,
    start: 0,
    deadline,
    heapIndex: -1,
    settle: (v) => log.push(`${id}:${v}`),
    fail: (e) => log.push(`${id}:${e.message}`),
  }
}

describe('PendingTable: one lazily re-armed timer', () => {
  it('keeps an idle (unref’d) timer when the table empties, re-uses it, and dispose() clears it', () => {
    let now = 0
    const counter = { pendingRequests: 0 }
    const t = new PendingTable<string>(() => now, counter)
    const log: string[] = []
    t.add(wait(1, 10_000, log))
    expect(counter.pendingRequests).toBe(1)
    expect(t.timerArmed).toBe(true)
    expect(t.take(1)?.id).toBe(1)
    expect(counter.pendingRequests).toBe(0)
    // Not cleared: left to lapse, but no longer counted as armed for a wait.
    expect(t.timerArmed).toBe(false)
    expect(t.timerScheduled).toBe(true)
    now = 5
    t.add(wait(2, 10_005, log)) // a later deadline: the idle timer is taken back into use
    expect(t.timerArmed).toBe(true)
    t.take(2)
    t.dispose()
    expect(t.timerScheduled).toBe(false)
    expect(log).toEqual([])
  })

  it('an earlier deadline re-arms; expiry still settles null in deadline order', async () => {
    const t = new PendingTable<string>()
    const log: string[] = []
    const start = performance.now()
    t.add(wait(1, start + 60_000, log))
    t.add(wait(2, start + 5, log))
    t.add(wait(3, start + 10, log))
    await new Promise((r) => setTimeout(r, 40))
    expect(log).toEqual(['2:null', '3:null'])
    expect(t.size).toBe(1)
    expect(t.timerArmed).toBe(true)
    t.failAll(() => new Error('closed'))
    expect(log).toEqual(['2:null', '3:null', '1:closed'])
    expect(t.timerScheduled).toBe(false)
  })

  it('a timer that fires with nothing pending is not re-armed', async () => {
    const t = new PendingTable<string>()
    const log: string[] = []
    t.add(wait(1, performance.now() + 5, log))
    t.take(1)
    expect(t.timerScheduled).toBe(true)
    await new Promise((r) => setTimeout(r, 30))
    expect(t.timerScheduled).toBe(false)
    expect(log).toEqual([])
  })
})

async function pair() {
  const [a, b] = createTappedPair()
  const server = new Session({
    connection: a,
    role: 'server',
    registry,
    onMessage: (r, s) => s.send(new Request(ECHO, r.content, { requestId: r.id })),
  })
  const client = new Session({ connection: b, role: 'client', registry })
  sessions.push(server, client)
  await Promise.all([server.ready, client.ready])
  return { server, client, a, b }
}

describe('Session: the idle timer, ready, data, logPeer', () => {
  it('round trips leave no armed timer; closing clears the idle one', async () => {
    const { client } = await pair()
    for (let i = 0; i < 5; i++) {
      expect((await client.sendAndWait(new Request(ECHO, `x${i}`), { timeout: 5000 }))?.text()).toBe(`x${i}`)
      expect(typeof (await client.ping({ timeout: 5000 }))).toBe('number')
    }
    expect(client.pendingCount).toBe(0)
    expect(client.stats.pendingRequests).toBe(0)
    expect(client.timerArmed).toBe(false)
    expect(client.timerScheduled).toBe(true)
    client.destroy()
    expect(client.timerScheduled).toBe(false)
  })

  it('stats.pendingRequests follows the table and is an own enumerable field', async () => {
    const { server, b } = await pair()
    const req = new Request(ECHO, 'q')
    const p = server.sendAndWait(req, { timeout: 5000 })
    expect(server.stats.pendingRequests).toBe(1)
    expect({ ...server.stats }.pendingRequests).toBe(1)
    b.send(ECHO.code, req.id, new TextEncoder().encode('a'))
    expect((await p)?.text()).toBe('a')
    expect(server.stats.pendingRequests).toBe(0)
  })

  it('ready read only after the handshake resolves; read only after a failed one rejects with the error', async () => {
    const { client } = await pair()
    await expect(client.ready).resolves.toBeUndefined()
    expect(client.ready).toBe(client.ready)
    const [, b] = createTappedPair()
    b.destroy()
    const closed = new Session({ connection: b, role: 'client', registry })
    await expect(closed.ready).rejects.toBeInstanceOf(ConnectionClosedError)
  })

  it('data is the init value; peerCapabilities / sharedCapabilities are empty and stable', async () => {
    const [, b] = createTappedPair()
    const record = { n: 1 }
    const s = new Session({ connection: b, role: 'client', registry, data: record })
    sessions.push(s)
    expect(s.data).toBe(record)
    expect(s.peerCapabilities.size).toBe(0)
    expect(s.peerCapabilities).toBe(s.peerCapabilities)
    expect(s.sharedCapabilities.size).toBe(0)
  })

  it('logPeer: no child logger until a line is emitted, then lines carry the peer', async () => {
    const lines: string[] = []
    const children: Record<string, unknown>[] = []
    const quiet = {
      isLevelEnabled: (l: LogLevel) => l >= LogLevel.WARNING,
      trace() {},
      debug() {},
      info() {},
      success() {},
      warning() {},
      error() {},
      critical() {},
    }
    const spy = {
      ...quiet,
      child: (ctx: Record<string, unknown>) => {
        children.push(ctx)
        return {
          ...quiet,
          child: () => quiet as never,
          warning: (m: unknown) => lines.push(`${typeof m === 'function' ? m() : m} ${JSON.stringify(ctx)}`),
        }
      },
    }
    const [a, b] = createTappedPair()
    const s = new Session({
      connection: b,
      role: 'client',
      registry,
      logger: spy as never,
      logPeer: true,
      onMessage: () => {
        throw new Error('handler bug')
      },
    })
    sessions.push(s)
    a.send(HELLO.code, 1, encodeHelloPayload('1.6.3'))
    await s.ready // its debug line is below the level: no child yet
    expect(children).toEqual([])
    a.send(ECHO.code, 3, new Uint8Array(0))
    a.send(ECHO.code, 4, new Uint8Array(0))
    await ticks()
    const peer = `${b.remoteAddress}:${b.remotePort}`
    expect(children).toEqual([{ peer }]) // one child, created by the first warning
    expect(lines).toHaveLength(2)
    expect(lines[0]).toContain('onMessage threw')
    expect(lines[0]).toContain(peer)
  })
})
