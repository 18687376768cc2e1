import { setMaxListeners } from 'node:events'
import { MessageType, MessageTypeRegistry, Request, type Response } from '@veltix/codec'
import { createServerTransport, type ServerTransport, SocketCore } from '@veltix/transport'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AbortError,
  ConnectionClosedError,
  DisconnectReason,
  type DisconnectState,
  Reconnector,
  type ReconnectorInit,
  ServerRefusedError,
  Session,
} from '../src/index.js'
import { until } from './helpers/until.js'

const ECHO = new MessageType(201, 'echo')
const SILENT = new MessageType(202, 'silent') // the server never answers these
const registry = new MessageTypeRegistry()
registry.register(ECHO)
registry.register(SILENT)

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

interface Served {
  transport: ServerTransport
  port: number
  sessions: Session[]
  got: Response[]
}

async function startServer(core: SocketCore, port = 0, maxConnection = 0): Promise<Served> {
  const transport = createServerTransport({
    host: '127.0.0.1',
    port,
    registry,
    core,
    maxWorkers: 1,
    maxConnection,
  })
  const served: Served = { transport, port: 0, sessions: [], got: [] }
  transport.onConnection((connection) => {
    served.sessions.push(
      new Session({
        connection,
        role: 'server',
        registry,
        onMessage: (r, s) => {
          served.got.push(r)
          if (r.type === ECHO) s.send(new Request(ECHO, r.content, { requestId: r.id }))
        },
      }),
    )
  })
  served.port = (await transport.listen()).port
  return served
}

function client(port: number, core: SocketCore, init: Partial<ReconnectorInit> = {}): Reconnector {
  const c = new Reconnector({
    transport: { host: '127.0.0.1', port, registry, core, maxWorkers: 1 },
    session: { registry },
    ...init,
  })
  cleanup.push(() => c.disconnect())
  return c
}

for (const core of [SocketCore.LOOP, SocketCore.WORKER]) {
  describe(`loopback, ${core} core`, () => {
    it('handshake, sendAndWait, ping both ways', async () => {
      const srv = await startServer(core)
      cleanup.push(() => srv.transport.close())
      const c = client(srv.port, core)
      const s = await c.connect()
      expect(s.peerVersion).toBe('1.6.3')
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) => c.sendAndWait(new Request(ECHO, `m${i}`), { timeout: 10_000 })),
      )
      expect(replies.map((r) => r?.text())).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`))
      expect(replies.every((r) => typeof r?.latency === 'number')).toBe(true)
      expect(typeof (await c.ping({ timeout: 10_000 }))).toBe('number')
      await until(() => srv.sessions[0]?.handshakeDone === true)
      expect(typeof (await srv.sessions[0]!.ping({ timeout: 10_000 }))).toBe('number')
      expect(s.pendingCount).toBe(0)
      expect(srv.sessions[0]!.pendingCount).toBe(0)
    })

    it('timeout -> null, the late reply is a normal message; abort -> AbortError', async () => {
      const srv = await startServer(core)
      cleanup.push(() => srv.transport.close())
      const got: Response[] = []
      const c = client(srv.port, core, { onMessage: (r) => got.push(r) })
      const s = await c.connect()
      await until(() => srv.sessions[0]?.handshakeDone === true)
      const req = new Request(SILENT, 'q')
      expect(await c.sendAndWait(req, { timeout: 30 })).toBeNull()
      srv.sessions[0]!.send(new Request(SILENT, 'late', { requestId: req.id }))
      await until(() => got.length === 1)
      expect(got[0]!.text()).toBe('late')
      const ac = new AbortController()
      const p = c.sendAndWait(new Request(SILENT, 'x'), { signal: ac.signal })
      ac.abort()
      await expect(p).rejects.toBeInstanceOf(AbortError)
      expect(s.pendingCount).toBe(0)
      expect(s.timerArmed).toBe(false)
    })

    it('5,000 waits pending when the server closes: all reject, pendingCount 0, no timer left', async () => {
      const srv = await startServer(core)
      const states: DisconnectState[] = []
      const c = client(srv.port, core, { onDisconnect: (st) => states.push(st) })
      const s = await c.connect()
      const ac = new AbortController()
      setMaxListeners(5000, ac.signal)
      const waits = Array.from({ length: 5000 }, () =>
        c.sendAndWait(new Request(SILENT, 'x'), { timeout: 60_000, signal: ac.signal }),
      )
      const settled = Promise.allSettled(waits) // handlers attached before the close rejects them
      await until(() => srv.got.length === 5000)
      await srv.transport.close()
      const results = await settled
      expect(results.every((r) => r.status === 'rejected' && r.reason instanceof ConnectionClosedError)).toBe(
        true,
      )
      expect(s.pendingCount).toBe(0)
      expect(s.timerArmed).toBe(false)
      await until(() => states.length === 1)
      expect(states[0]).toMatchObject({ permanent: true, reason: DisconnectReason.SERVER_CLOSED })
    })

    it('a server at maxConnection: the refused client gets ServerRefusedError with its reason, then retries', async () => {
      const srv = await startServer(core, 0, 1)
      cleanup.push(() => srv.transport.close())
      const first = client(srv.port, core)
      await first.connect()
      const states: DisconnectState[] = []
      const second = client(srv.port, core, {
        retry: 1,
        retryDelay: 10,
        onDisconnect: (st) => states.push(st),
      })
      const error = await second.connect().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ServerRefusedError)
      expect((error as ServerRefusedError).serverMessage).toMatch(/max/i)
      // not permanent on the first refusal (the server may have room later): one retry, then permanent
      expect(states.map((st) => st.permanent)).toEqual([false, true])
      expect(states.every((st) => st.error instanceof ServerRefusedError)).toBe(true)
      expect(srv.sessions).toHaveLength(1)
    })

    it('a server restart during reconnect: states per attempt, then reconnected and the offline queue flushed', async () => {
      const first = await startServer(core)
      const port = first.port
      const states: DisconnectState[] = []
      const connects: boolean[] = []
      const c = client(port, core, {
        retry: 200,
        retryDelay: 20,
        onDisconnect: (st) => states.push(st),
        onConnect: (_s, re) => connects.push(re),
      })
      await c.connect()
      await first.transport.close()
      await until(() => states.length >= 2) // the loss and at least one refused attempt
      expect(states[0]).toMatchObject({
        permanent: false,
        attempt: 0,
        reason: DisconnectReason.SERVER_CLOSED,
      })
      expect(states[1]).toMatchObject({ permanent: false, attempt: 1, reason: DisconnectReason.ERROR })
      expect(c.send(new Request(ECHO, 'queued-1'))).toBe(true)
      expect(c.send(new Request(ECHO, 'queued-2'))).toBe(true)
      const second = await startServer(core, port)
      cleanup.push(() => second.transport.close())
      await until(() => connects.length === 2)
      expect(connects).toEqual([false, true])
      await until(() => second.got.length === 2)
      expect(second.got.map((r) => r.text())).toEqual(['queued-1', 'queued-2'])
      const r = await c.sendAndWait(new Request(ECHO, 'after'), { timeout: 10_000 })
      expect(r?.text()).toBe('after')
    })
  })
}
