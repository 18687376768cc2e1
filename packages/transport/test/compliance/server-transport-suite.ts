import type * as net from 'node:net'
import { ERROR, encodeFrame, FrameTooLargeError } from '@veltix/codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AbortError,
  type ClientTransportInit,
  ConnectError,
  type Connection,
  connect,
  createServerTransport,
  MaxConnectionsError,
  OverflowError,
  type RefusedConnectionInfo,
  type ServerTransport,
  type ServerTransportInit,
  type SocketCore,
  type TransportInit,
} from '../../src/index.js'
import {
  activeResources,
  hasIpv6Loopback,
  Recorder,
  rawConnect as tcpConnect,
  tick,
  waitFor,
} from '../helpers.js'

/** What a core under test provides. */
export interface CoreUnderTest {
  name: string
  core: SocketCore
  /** Extra options for every transport (e.g. `maxWorkers`). */
  init?: Partial<TransportInit>
  /** Extra options for servers only (e.g. `tls`). */
  serverInit?: Partial<ServerTransportInit>
  /** Extra options for clients only (e.g. `tls`). */
  clientInit?: Partial<ClientTransportInit>
  /** Opens a "raw" socket for hand-made bytes (TLS: a TLS socket); default: plain TCP. */
  rawConnect?: (port: number) => Promise<net.Socket>
  /** Resets a raw socket (RST); default `resetAndDestroy()`. */
  resetRaw?: (socket: net.Socket) => void
}

/**
 * The server transport's behaviour over real sockets, written once and run against every core (plain and
 * TLS): listening, accepting, refusing, server close, broadcast, raw peers (hand-made bytes, resets), leaks.
 * What a single connection does is the connection suite's (`connection-suite.ts`), run on the same cores.
 * Loopback only, port 0, bounded counts; everything is closed in afterEach.
 */
export function serverTransportCompliance(cut: CoreUnderTest): void {
  const rawConnect = cut.rawConnect ?? ((port: number) => tcpConnect(port))
  describe(`server transport compliance: ${cut.name} core`, () => {
    const servers: ServerTransport[] = []
    const clients: Connection[] = []
    const raws: net.Socket[] = []

    afterEach(async () => {
      for (const r of raws.splice(0)) r.destroy()
      for (const c of clients.splice(0)) c.destroy()
      await Promise.all(servers.splice(0).map((s) => s.close()))
    })

    async function startServer(
      init: Partial<ServerTransportInit> = {},
      onConn?: (conn: Connection, rec: Recorder) => void,
    ): Promise<{ server: ServerTransport; port: number; accepted: Recorder[] }> {
      const server = createServerTransport({
        host: '127.0.0.1',
        port: 0,
        core: cut.core,
        ...cut.init,
        ...cut.serverInit,
        ...init,
      })
      servers.push(server)
      const accepted: Recorder[] = []
      server.onConnection((conn) => {
        const rec = new Recorder(conn)
        accepted.push(rec)
        if (onConn) onConn(conn, rec)
        else rec.attach()
      })
      const { port } = await server.listen()
      return { server, port, accepted }
    }

    async function client(port: number, init: Partial<ClientTransportInit> = {}): Promise<Connection> {
      const conn = await connect({
        host: '127.0.0.1',
        port,
        core: cut.core,
        ...cut.init,
        ...cut.clientInit,
        ...init,
      })
      clients.push(conn)
      return conn
    }

    const echo = (conn: Connection, rec: Recorder): void => {
      rec.onFrame = (f) => conn.send(f.code, f.requestId, f.payload, f.timestamp)
      rec.attach()
    }

    it('listens on port 0, reports the port, accepts with distinct ids and the remote address', async () => {
      const { server, port, accepted } = await startServer()
      expect(server.listening).toBe(true)
      expect(port).toBeGreaterThan(0)
      const a = await client(port)
      const b = await client(port)
      await waitFor(() => accepted.length === 2)
      expect(accepted[0]!.conn.id).not.toBe(accepted[1]!.conn.id)
      expect(accepted[0]!.conn.remoteAddress).toBe('127.0.0.1')
      expect(accepted[0]!.conn.remoteFamily).toBe('IPv4')
      expect(a.remotePort).toBe(port)
      expect(b.closed).toBe(false)
      expect(server.connectionCount).toBe(2)
    })

    it('keeps each stream apart when frames split across chunks on many connections interleave', async () => {
      // Idle connections share one decoder; a chunk that ends inside a frame moves its tail to a decoder of
      // the connection's own. Interleave such splits (inside the header, inside the payload, on a boundary).
      const { port, accepted } = await startServer()
      const K = 6
      const raws2 = await Promise.all(Array.from({ length: K }, () => rawConnect(port)))
      for (const r of raws2) {
        r.setNoDelay(true)
        raws.push(r)
      }
      await waitFor(() => accepted.length === K)
      const byPort = new Map(accepted.map((rec) => [rec.conn.remotePort, rec]))
      const streams = raws2.map((_, k) =>
        Buffer.concat(
          Array.from({ length: 12 }, (_, i) =>
            encodeFrame({
              code: 200 + k,
              requestId: i,
              payload: Buffer.alloc((i * 37 + k * 11) % 300, k + i),
            }),
          ),
        ),
      )
      const cuts = [3, 21, 22, 40, 1, 150, 7, 300, 23, 64]
      const offsets = streams.map(() => 0)
      let round = 0
      while (offsets.some((o, k) => o < streams[k]!.length)) {
        for (let k = 0; k < K; k++) {
          const s = streams[k]!
          if (offsets[k]! >= s.length) continue
          const n = cuts[(round + k) % cuts.length]!
          raws2[k]!.write(s.subarray(offsets[k]!, offsets[k]! + n))
          offsets[k]! += n
        }
        round++
        await tick()
      }
      const recs = raws2.map((r) => byPort.get(r.localPort as number)!)
      await waitFor(() => recs.every((rec) => rec.frames.length === 12), 20_000, 'all frames')
      recs.forEach((rec, k) => {
        expect(rec.errors).toEqual([])
        rec.frames.forEach((f, i) => {
          expect(f.code).toBe(200 + k)
          expect(f.requestId).toBe(i)
          expect(Buffer.compare(Buffer.from(f.payload), Buffer.alloc((i * 37 + k * 11) % 300, k + i))).toBe(0)
        })
      })
    })

    it('serves many connections at once', async () => {
      const { server, port, accepted } = await startServer({}, echo)
      const M = 60
      const conns = await Promise.all(Array.from({ length: M }, () => client(port)))
      const recs = conns.map((c) => new Recorder(c).attach())
      conns.forEach((c, k) => {
        for (let i = 0; i < 20; i++) c.send(200, k * 1000 + i, Buffer.from([k, i]))
      })
      await waitFor(() => recs.every((r) => r.frames.length === 20), 20_000, 'all echoes')
      recs.forEach((r, k) => {
        expect(r.frames.map((f) => f.requestId)).toEqual(Array.from({ length: 20 }, (_, i) => k * 1000 + i))
      })
      expect(accepted.length).toBe(M)
      expect(server.connectionCount).toBe(M)
    })

    it("hard cap, policy 'close': closes only that slow connection with reason 'overflow'", async () => {
      const { port, accepted } = await startServer({
        highWaterMark: 256 * 1024,
        maxQueuedBytes: 1024 * 1024,
        overflowPolicy: 'close',
      })
      const slow = await client(port)
      const fast = await client(port)
      const fastRec = new Recorder(fast).attach()
      await waitFor(() => accepted.length === 2)
      const target = accepted.find((r) => r.conn.remotePort === slow.localPort)!
      const other = accepted.find((r) => r.conn.remotePort === fast.localPort)!
      const payload = Buffer.alloc(64 * 1024, 1)
      let result = 'ok'
      for (let i = 0; i < 4000 && result !== 'overflow'; i++) result = target.conn.send(200, i, payload)
      expect(result).toBe('overflow')
      const info = await target.closed
      expect(info.reason).toBe('overflow')
      expect(info.error).toBeInstanceOf(OverflowError)
      expect(other.conn.send(201, 1, Buffer.from('still here'))).toBe('ok')
      await waitFor(() => fastRec.frames.length === 1)
      expect(other.conn.closed).toBe(false)
    })

    it('an oversized frame closes only that connection, with FrameTooLargeError', async () => {
      const { port, accepted } = await startServer({ maxMessageSize: 1024 }, echo)
      const bad = await rawConnect(port)
      raws.push(bad)
      const good = await client(port)
      const goodRec = new Recorder(good).attach()
      await waitFor(() => accepted.length === 2)
      const header = Buffer.alloc(22)
      header.writeUInt16BE(200, 0)
      header.writeUInt32BE(5000, 2) // declares 5000 payload bytes: over the 1024 limit
      bad.write(header)
      const badSide = accepted[0]!
      const info = await badSide.closed
      expect(info.reason).toBe('protocol-error')
      expect(info.error).toBeInstanceOf(FrameTooLargeError)
      expect(badSide.errors[0]).toBeInstanceOf(FrameTooLargeError)
      good.send(200, 9, Buffer.from('ok'))
      await waitFor(() => goodRec.frames.length === 1)
      expect(accepted[1]!.conn.closed).toBe(false)
    })

    it('maxConnection: refuses the extra connection with an ERROR frame and a visible reason', async () => {
      const { server, port, accepted } = await startServer({ maxConnection: 2 })
      const refused: RefusedConnectionInfo[] = []
      server.onRefused((info) => refused.push(info))
      await client(port)
      await client(port)
      await waitFor(() => accepted.length === 2)
      const third = await client(port)
      const rec = new Recorder(third).attach()
      const info = await rec.closed
      expect(info.reason).toBe('remote-end')
      expect(rec.frames.length).toBe(1)
      expect(rec.frames[0]!.code).toBe(ERROR.code)
      expect(Buffer.from(rec.frames[0]!.payload).toString()).toMatch(/maxConnection 2/)
      expect(accepted.length).toBe(2)
      expect(server.connectionCount).toBe(2)
      // reported locally too: hook + counters
      expect(refused.length).toBe(1)
      expect(refused[0]!.reason).toBe('max-connections')
      expect(refused[0]!.error).toBeInstanceOf(MaxConnectionsError)
      expect(refused[0]!.remoteAddress).toBe('127.0.0.1')
      expect(refused[0]!.remotePort).toBe(third.localPort)
      expect(server.stats).toMatchObject({ accepted: 2, refused: 1, refusedMaxConnections: 1 })
    })

    it('server close() sends what was queued, closes every connection, and resolves when all are closed', async () => {
      const { server, port, accepted } = await startServer()
      const a = await client(port)
      const b = await client(port)
      const ra = new Recorder(a).attach()
      const rb = new Recorder(b).attach()
      await waitFor(() => accepted.length === 2)
      for (const s of accepted) for (let i = 0; i < 100; i++) s.conn.send(200, i, Buffer.from('bye'))
      await server.close()
      expect(server.listening).toBe(false)
      expect(server.connectionCount).toBe(0)
      expect(accepted.map((s) => s.closes)).toEqual([
        [{ reason: 'server-closed' }],
        [{ reason: 'server-closed' }],
      ])
      await Promise.all([ra.closed, rb.closed])
      expect(ra.frames.length).toBe(100)
      expect(rb.frames.length).toBe(100)
      expect(ra.closes).toEqual([{ reason: 'remote-end' }])
    })

    it('abrupt close: peer destroy / reset is reported once, with a reason', async () => {
      const { port, accepted } = await startServer()
      const c = await client(port)
      const raw = await rawConnect(port)
      raws.push(raw)
      await waitFor(() => accepted.length === 2)
      c.destroy(new Error('boom'))
      if (cut.resetRaw) cut.resetRaw(raw)
      else raw.resetAndDestroy()
      await Promise.all(accepted.map((r) => r.closed))
      await tick()
      const reasons = accepted.map((r) => r.closes.map((i) => i.reason))
      for (const r of reasons) {
        expect(r.length).toBe(1)
        expect(['remote-end', 'reset']).toContain(r[0])
      }
      expect(reasons.flat()).toContain('reset')
    })

    it('connect errors are typed: ConnectError with the errno, AbortError', async () => {
      const { server, port } = await startServer()
      await server.close()
      const refused = await connect({
        host: '127.0.0.1',
        port,
        core: cut.core,
        ...cut.init,
        ...cut.clientInit,
      }).catch((e) => e)
      expect(refused).toBeInstanceOf(ConnectError)
      expect(refused.causeCode).toBe('ECONNREFUSED')
      const ac = new AbortController()
      ac.abort()
      const aborted = await connect({ host: '127.0.0.1', port, core: cut.core, signal: ac.signal }).catch(
        (e) => e,
      )
      expect(aborted).toBeInstanceOf(AbortError)
      expect(aborted.name).toBe('AbortError')
    })

    it('broadcast encodes once, reaches every connection but the excepted, returns the count', async () => {
      const { server, port, accepted } = await startServer()
      const conns = await Promise.all(Array.from({ length: 5 }, () => client(port)))
      const recs = conns.map((c) => new Recorder(c).attach())
      await waitFor(() => accepted.length === 5)
      const except = accepted[0]!.conn
      const n = server.broadcast(250, 7, Buffer.from('all'), server.connections, [except])
      expect(n).toBe(4)
      await waitFor(() => recs.filter((r) => r.frames.length === 1).length === 4)
      await new Promise((r) => setTimeout(r, 30))
      expect(recs.reduce((s, r) => s + r.frames.length, 0)).toBe(4)
    })

    it('leaves nothing running after close (sockets, servers, timers, threads)', async () => {
      const before = activeResources()
      const { server, port } = await startServer({}, echo)
      const c = await client(port)
      const rec = new Recorder(c).attach()
      c.send(200, 1, Buffer.from('x'))
      await waitFor(() => rec.frames.length === 1)
      await c.close()
      servers.splice(servers.indexOf(server), 1)
      clients.splice(clients.indexOf(c), 1)
      await server.close()
      await tick()
      const after = activeResources()
      for (const type of [
        'TCPSocketWrap',
        'TCPServerWrap',
        'Timeout',
        'Immediate',
        'Worker',
        'MessagePort',
      ]) {
        // ≤: sockets of the previous test may still be finishing when `before` is taken
        expect(after.get(type) ?? 0, type).toBeLessThanOrEqual(before.get(type) ?? 0)
      }
    })

    it('listen({ signal }): aborted before or during listen rejects AbortError and leaves nothing open', async () => {
      const before = activeResources()
      const pre = createServerTransport({
        host: '127.0.0.1',
        port: 0,
        core: cut.core,
        ...cut.init,
        ...cut.serverInit,
      })
      const ac0 = new AbortController()
      ac0.abort()
      await expect(pre.listen({ signal: ac0.signal })).rejects.toBeInstanceOf(AbortError)
      expect(pre.listening).toBe(false)
      await pre.close()

      const during = createServerTransport({
        host: '127.0.0.1',
        port: 0,
        core: cut.core,
        ...cut.init,
        ...cut.serverInit,
      })
      const ac1 = new AbortController()
      const p = during.listen({ signal: ac1.signal })
      ac1.abort()
      const err = await p.catch((e) => e)
      expect(err).toBeInstanceOf(AbortError)
      expect(during.listening).toBe(false)
      await during.close()
      await tick()
      const after = activeResources()
      for (const type of ['TCPServerWrap', 'Worker']) {
        expect(after.get(type) ?? 0, type).toBeLessThanOrEqual(before.get(type) ?? 0)
      }

      // aborting after listen resolved changes nothing
      const ac2 = new AbortController()
      const late = createServerTransport({
        host: '127.0.0.1',
        port: 0,
        core: cut.core,
        ...cut.init,
        ...cut.serverInit,
      })
      servers.push(late)
      await late.listen({ signal: ac2.signal })
      ac2.abort()
      expect(late.listening).toBe(true)
    })

    it('IPv6 loopback ::1 (skipped without IPv6)', async (ctx) => {
      if (!(await hasIpv6Loopback())) ctx.skip()
      const { port, accepted } = await startServer({ host: '::1' }, echo)
      const c = await client(port, { host: '::1' })
      const rec = new Recorder(c).attach()
      c.send(200, 1, Buffer.from('v6'))
      await waitFor(() => rec.frames.length === 1)
      expect(accepted[0]!.conn.remoteFamily).toBe('IPv6')
      expect(accepted[0]!.conn.remoteAddress).toBe('::1')
    })
  })
}
