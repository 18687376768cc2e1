import * as http from 'node:http'
import * as net from 'node:net'
import {
  ChecksumMismatchError,
  decodeFrame,
  FrameTooLargeError,
  MalformedFrameError,
  MessageType,
  MessageTypeRegistry,
  UnknownMessageTypeError,
} from '@veltix/codec'
import type { Connection } from '@veltix/transport'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import {
  CloseCode,
  connectWebSocket,
  FrameChecksumError,
  MessageTooLargeError,
  NotOneFrameError,
  OriginNotAllowedError,
  type RefusedUpgradeInfo,
  TextMessageError,
  type WebSocketListener,
  type WebSocketListenerInit,
  WebSocketProtocolError,
  webSocketListener,
} from '../src/index.js'
import { closeOf, frame, openWs, Recorder, waitFor } from './helpers.js'

const CHAT = new MessageType(200, 'chat')

describe('webSocketListener', () => {
  const listeners: WebSocketListener[] = []
  const clients: WebSocket[] = []

  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate()
    await Promise.all(listeners.splice(0).map((l) => l.close()))
  })

  async function start(
    init: WebSocketListenerInit = {},
    ctx: { maxMessageSize?: number; registry?: MessageTypeRegistry } = {},
  ): Promise<{ listener: WebSocketListener; url: string; accepted: Recorder[] }> {
    const listener = webSocketListener({ port: 0, ...init })
    listeners.push(listener)
    const accepted: Recorder[] = []
    const { port } = await listener.listen({
      host: '127.0.0.1',
      maxMessageSize: ctx.maxMessageSize ?? 10 * 1024 * 1024,
      registry: ctx.registry,
      accept: (conn: Connection) => {
        const rec = new Recorder(conn).attach()
        // Echo, so a bystander can prove its connection still works.
        rec.onFrame = (f) => conn.send(f.code, f.requestId, f.payload)
        accepted.push(rec)
      },
    })
    return { listener, url: `ws://127.0.0.1:${port}${init.path ?? '/'}`, accepted }
  }

  /** A raw ws client that records the binary messages it gets, listening from the start. */
  async function client(
    url: string,
    options: WebSocket.ClientOptions = {},
  ): Promise<{ ws: WebSocket; got: Buffer[] }> {
    const got: Buffer[] = []
    const ws = await openWs(url, options, (w) => {
      w.on('message', (d: Buffer) => got.push(d))
      w.on('error', () => {})
    })
    clients.push(ws)
    return { ws, got }
  }

  /** A second client that must keep working while another one is closed for bad input. */
  async function bystanderStillWorks(url: string): Promise<void> {
    const b = await client(url)
    b.ws.send(frame(CHAT.code, 'still here', 7))
    await waitFor(() => b.got.length === 1, 5000, 'bystander echo')
    const f = decodeFrame(b.got[0]!)
    expect(Buffer.from(f.payload).toString()).toBe('still here')
    expect(f.requestId).toBe(7)
  }

  it('moves frames both ways, one per message, with every header size (2, 4 and 10 bytes)', async () => {
    const { url, accepted } = await start()
    const c = await client(url)
    await waitFor(() => accepted.length === 1)
    const sizes = [0, 100, 1000, 70_000, 200_000]
    for (const [i, n] of sizes.entries()) c.ws.send(frame(CHAT.code, Buffer.alloc(n, i + 1), i + 1))
    await waitFor(() => c.got.length === sizes.length, 5000, 'echoes')
    for (const [i, n] of sizes.entries()) {
      const f = decodeFrame(c.got[i]!)
      expect(f.requestId).toBe(i + 1)
      expect(f.payload.length).toBe(n)
      expect(f.payload.every((b) => b === i + 1)).toBe(true)
    }
    const conn = accepted[0]!.conn
    expect(conn.stats.framesIn).toBe(sizes.length)
    expect(conn.stats.framesOut).toBe(sizes.length)
    expect(conn.remoteAddress).toBe('127.0.0.1')
  })

  it('sendEncoded splits several frames into one message each, and refuses bytes that are not whole frames', async () => {
    const { url, accepted } = await start()
    const c = await client(url)
    await waitFor(() => accepted.length === 1)
    const conn = accepted[0]!.conn
    const big = Buffer.alloc(10_000, 9) // shared, not copied
    const bytes = Buffer.concat([
      frame(CHAT.code, 'a', 1),
      frame(CHAT.code, big, 2),
      frame(CHAT.code, 'c', 3),
    ])
    expect(conn.sendEncoded(bytes)).toBe('ok')
    expect(() => conn.sendEncoded(bytes.subarray(0, bytes.length - 1))).toThrow(MalformedFrameError)
    await waitFor(() => c.got.length === 3, 5000, 'three messages')
    expect(c.got.map((m) => decodeFrame(m).requestId)).toEqual([1, 2, 3])
    expect(decodeFrame(c.got[1]!).payload.length).toBe(10_000)
    // Nothing of the refused call was queued: no fourth message arrives after another round trip.
    c.ws.send(frame(CHAT.code, 'x', 4))
    await waitFor(() => c.got.length === 4)
    expect(decodeFrame(c.got[3]!).requestId).toBe(4)
  })

  describe('bad input closes that connection only, with a typed error and a close code', () => {
    async function expectClosed(
      send: (ws: WebSocket) => void,
      closeCode: number,
      errorClass: new (...args: never[]) => Error,
      code: string,
      init: WebSocketListenerInit = {},
      ctx: { maxMessageSize?: number } = {},
      reason = code,
    ): Promise<Recorder> {
      const { url, accepted } = await start(init, ctx)
      const bad = await client(url)
      await waitFor(() => accepted.length === 1)
      const closed = closeOf(bad.ws)
      send(bad.ws)
      const seen = await closed
      expect(seen.code).toBe(closeCode)
      expect(seen.reason).toBe(reason)
      const info = await accepted[0]!.closed
      expect(info.reason).toBe('protocol-error')
      expect(info.error).toBeInstanceOf(errorClass)
      expect((info.error as Error & { code: string }).code).toBe(code)
      expect((info.error as Error & { closeCode: number }).closeCode).toBe(closeCode)
      expect(accepted[0]!.frames).toHaveLength(0) // nothing of it was delivered
      await bystanderStillWorks(url)
      return accepted[0]!
    }

    it('a text message: TextMessageError, 1003', async () => {
      await expectClosed(
        (ws) => ws.send('hello'),
        CloseCode.UNSUPPORTED_DATA,
        TextMessageError,
        'VELTIX_ERR_WS_TEXT_MESSAGE',
      )
    })

    it('a message shorter than a header: NotOneFrameError, 1007', async () => {
      await expectClosed(
        (ws) => ws.send(Buffer.alloc(10)),
        1007,
        NotOneFrameError,
        'VELTIX_ERR_WS_NOT_ONE_FRAME',
      )
    })

    it('a message with less payload than its header says: NotOneFrameError, 1007', async () => {
      await expectClosed(
        (ws) => ws.send(frame(CHAT.code, 'hello').subarray(0, 24)),
        1007,
        NotOneFrameError,
        'VELTIX_ERR_WS_NOT_ONE_FRAME',
      )
    })

    it('two frames in one message: NotOneFrameError, 1007, neither delivered', async () => {
      await expectClosed(
        (ws) => ws.send(Buffer.concat([frame(CHAT.code, 'one'), frame(CHAT.code, 'two')])),
        1007,
        NotOneFrameError,
        'VELTIX_ERR_WS_NOT_ONE_FRAME',
      )
    })

    it('a bad CRC: FrameChecksumError, 1007, the codec error reported and counted first', async () => {
      const bytes = frame(CHAT.code, 'hello')
      bytes[bytes.length - 1]! ^= 0xff
      const rec = await expectClosed(
        (ws) => ws.send(bytes),
        1007,
        FrameChecksumError,
        'VELTIX_ERR_WS_CHECKSUM',
      )
      expect(rec.errors[0]).toBeInstanceOf(ChecksumMismatchError)
      expect(rec.conn.stats.checksumErrors).toBe(1)
    })

    it('a message over maxPayload, refused by ws before buffering: MessageTooLargeError, 1009', async () => {
      await expectClosed(
        (ws) => ws.send(frame(CHAT.code, Buffer.alloc(5000))),
        1009,
        MessageTooLargeError,
        'VELTIX_ERR_WS_MESSAGE_TOO_LARGE',
        { maxPayload: 1024 },
        {},
        '', // ws closes by itself here, without a reason
      )
    })

    it('a frame over the server maxMessageSize (maxPayload larger): MessageTooLargeError, 1009', async () => {
      const rec = await expectClosed(
        (ws) => ws.send(frame(CHAT.code, Buffer.alloc(200))),
        1009,
        MessageTooLargeError,
        'VELTIX_ERR_WS_MESSAGE_TOO_LARGE',
        { maxPayload: 4096 },
        { maxMessageSize: 100 },
      )
      expect(rec.errors[0]).toBeInstanceOf(FrameTooLargeError)
    })

    it('a WebSocket protocol violation (unmasked client frame): WebSocketProtocolError, 1002', async () => {
      const { listener, accepted } = await start()
      const sock = await rawUpgrade(listener.port, '/')
      const ended = new Promise<Buffer>((resolve) => {
        const got: Buffer[] = []
        sock.on('data', (d) => got.push(d))
        sock.on('close', () => resolve(Buffer.concat(got)))
      })
      await waitFor(() => accepted.length === 1)
      const f = frame(CHAT.code, 'hi')
      sock.write(Buffer.concat([Buffer.from([0x82, f.length]), f])) // no mask bit: not allowed from a client
      const bytes = await ended
      const close = bytes.subarray(bytes.indexOf(0x88)) // the close frame at the end
      expect(close.readUInt16BE(2)).toBe(1002)
      const info = await accepted[0]!.closed
      expect(info.error).toBeInstanceOf(WebSocketProtocolError)
      expect((info.error as WebSocketProtocolError).wsCode).toBe('WS_ERR_EXPECTED_MASK')
      expect((info.error as WebSocketProtocolError).code).toBe('VELTIX_ERR_WS_PROTOCOL')
    })

    it('a type not in the registry is dropped and counted, as on TCP: the connection stays', async () => {
      const registry = new MessageTypeRegistry()
      registry.register(CHAT)
      const { url, accepted } = await start({}, { registry })
      const c = await client(url)
      await waitFor(() => accepted.length === 1)
      c.ws.send(frame(300, 'unknown', 1))
      c.ws.send(frame(CHAT.code, 'known', 2))
      await waitFor(() => c.got.length === 1, 5000, 'echo of the known frame')
      const rec = accepted[0]!
      expect(rec.errors[0]).toBeInstanceOf(UnknownMessageTypeError)
      expect(rec.conn.stats.unknownTypes).toBe(1)
      expect(rec.frames.map((f) => f.requestId)).toEqual([2])
      expect(rec.conn.closed).toBe(false)
    })
  })

  describe('allowedOrigins', () => {
    it('closes a wrong Origin with 1008 before it reaches the server; right and missing Origins pass', async () => {
      const { listener, url, accepted } = await start({ allowedOrigins: ['http://good.example'] })
      const refused: RefusedUpgradeInfo[] = []
      listener.onRefused((info) => refused.push(info))
      const bad = await client(url, { origin: 'http://evil.example' })
      const seen = await closeOf(bad.ws)
      expect(seen).toEqual({ code: 1008, reason: 'VELTIX_ERR_WS_ORIGIN' })
      expect(refused).toHaveLength(1)
      expect(refused[0]!.error).toBeInstanceOf(OriginNotAllowedError)
      expect(refused[0]!.error.code).toBe('VELTIX_ERR_WS_ORIGIN')
      expect(refused[0]!.error.origin).toBe('http://evil.example')
      expect(listener.stats.refusedOrigin).toBe(1)
      expect(accepted).toHaveLength(0)

      await client(url, { origin: 'http://good.example' })
      await client(url) // Node: no Origin header
      await waitFor(() => accepted.length === 2)
      expect((accepted[0]!.conn as { origin?: string }).origin).toBe('http://good.example')
      expect(listener.stats.accepted).toBe(2)
    })
  })

  describe('HTTP', () => {
    it('answers 404 to another path, 426 to a plain request, and accepts the right path with a query', async () => {
      const { listener, url, accepted } = await start({ path: '/veltix' })
      const port = listener.port
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/other`)
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0)
          ws.terminate()
        })
        ws.on('error', reject)
      })
      expect(status).toBe(404)
      expect(listener.stats.refusedPath).toBe(1)
      const plain = await new Promise<number>((resolve, reject) => {
        http
          .get(`http://127.0.0.1:${port}/veltix`, (res) => {
            res.resume()
            resolve(res.statusCode ?? 0)
          })
          .on('error', reject)
      })
      expect(plain).toBe(426)
      await client(`${url}?room=1`)
      await waitFor(() => accepted.length === 1)
      expect((accepted[0]!.conn as { path?: string }).path).toBe('/veltix?room=1')
    })

    it('connectWebSocket rejects a refused upgrade and a closed port with ConnectError, an abort with AbortError', async () => {
      const { listener } = await start({ path: '/veltix' })
      const port = listener.port
      await expect(connectWebSocket({ url: `ws://127.0.0.1:${port}/other` })).rejects.toMatchObject({
        name: 'ConnectError',
        code: 'VELTIX_ERR_CONNECT',
        causeCode: 'HTTP_404',
      })
      const ac = new AbortController()
      ac.abort()
      await expect(
        connectWebSocket({ url: `ws://127.0.0.1:${port}/veltix`, signal: ac.signal }),
      ).rejects.toMatchObject({
        name: 'AbortError',
      })
      await listener.close()
      await expect(connectWebSocket({ url: `ws://127.0.0.1:${port}/veltix` })).rejects.toMatchObject({
        name: 'ConnectError',
        causeCode: 'ECONNREFUSED',
      })
    })

    it('shares a server of yours and leaves it open (and its other upgrade handlers alone)', async () => {
      const server = http.createServer((_req, res) => res.end('page'))
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
      try {
        const port = (server.address() as net.AddressInfo).port
        const { listener, accepted } = await start({ server, path: '/veltix' })
        expect(listener.port).toBe(port)
        await client(`ws://127.0.0.1:${port}/veltix`)
        await waitFor(() => accepted.length === 1)
        await listener.close()
        expect(server.listening).toBe(true)
        expect(server.listenerCount('upgrade')).toBe(0)
        const body = await new Promise<string>((resolve, reject) => {
          http
            .get(`http://127.0.0.1:${port}/`, (res) => {
              let s = ''
              res.on('data', (d) => (s += d))
              res.on('end', () => resolve(s))
            })
            .on('error', reject)
        })
        expect(body).toBe('page')
      } finally {
        server.closeAllConnections()
        await new Promise<void>((r) => server.close(() => r()))
      }
    })

    it('binds the same port again after close() + listen() when configured with port 0', async () => {
      const { listener } = await start()
      const port = listener.port
      await listener.close()
      expect(listener.address).toBeNull()
      const again = await listener.listen({ host: '127.0.0.1', maxMessageSize: 1 << 20, accept: () => {} })
      expect(again.port).toBe(port)
    })
  })

  describe('close codes', () => {
    it('close() sends 1000 after what was queued; the server side reports local', async () => {
      const { url, accepted } = await start()
      const c = await client(url)
      await waitFor(() => accepted.length === 1)
      const conn = accepted[0]!.conn
      const closed = closeOf(c.ws)
      conn.send(CHAT.code, 1, Buffer.from('last words'))
      await conn.close()
      expect((await closed).code).toBe(1000)
      expect(c.got).toHaveLength(1)
      expect((await accepted[0]!.closed).reason).toBe('local')
      expect(conn.send(CHAT.code, 2, Buffer.from('x'))).toBe('closed')
    })

    it('the listener closing sends 1001 to everyone (reason server-closed)', async () => {
      const { listener, url, accepted } = await start()
      const a = await client(url)
      const b = await client(url)
      await waitFor(() => accepted.length === 2)
      const seen = Promise.all([closeOf(a.ws), closeOf(b.ws)])
      await listener.close()
      expect((await seen).map((s) => s.code)).toEqual([1001, 1001])
      expect((await accepted[0]!.closed).reason).toBe('server-closed')
      expect(listener.connectionCount).toBe(0)
    })

    it('destroy() drops the socket without a close frame (1006 at the client)', async () => {
      const { url, accepted } = await start()
      const c = await client(url)
      await waitFor(() => accepted.length === 1)
      const closed = closeOf(c.ws)
      accepted[0]!.conn.destroy()
      expect((await closed).code).toBe(1006)
      expect((await accepted[0]!.closed).reason).toBe('local')
    })

    it('the client closing with a code is remote-end, its code kept', async () => {
      const { url, accepted } = await start()
      const c = await client(url)
      await waitFor(() => accepted.length === 1)
      c.ws.close(4000, 'bye')
      const info = await accepted[0]!.closed
      expect(info.reason).toBe('remote-end')
      expect((accepted[0]!.conn as { remoteCloseCode?: number }).remoteCloseCode).toBe(4000)
    })
  })

  describe('backpressure', () => {
    it('backpressure, then overflow refused (connection kept), then drain, and every accepted frame arrives', async () => {
      const { url, accepted } = await start({ highWaterMark: 256 * 1024, maxQueuedBytes: 2 * 1024 * 1024 })
      const c = await client(url)
      await waitFor(() => accepted.length === 1)
      const conn = accepted[0]!.conn
      c.ws.pause() // the client stops reading: the kernel buffers fill, then our queue
      const payload = Buffer.alloc(16 * 1024, 1)
      let sent = 0
      let backpressure = false
      // Loopback kernel buffers take a few MiB: send in rounds, letting the socket write between them.
      for (let round = 0; round < 200 && !backpressure; round++) {
        for (let i = 0; i < 64; i++) {
          const r = conn.send(CHAT.code, sent + 1, payload)
          expect(r === 'ok' || r === 'backpressure').toBe(true)
          sent++
          if (r === 'backpressure') {
            backpressure = true
            break
          }
        }
        await new Promise((r) => setImmediate(r))
      }
      expect(backpressure).toBe(true)
      let r = conn.send(CHAT.code, sent + 1, payload)
      while (r === 'backpressure' || r === 'ok') {
        sent++
        r = conn.send(CHAT.code, sent + 1, payload)
      }
      expect(r).toBe('overflow')
      expect(conn.stats.overflowRejected).toBe(1)
      expect(conn.closed).toBe(false)
      expect(accepted[0]!.drains).toBe(0)
      c.ws.resume()
      await waitFor(() => c.got.length === sent, 10_000, 'every accepted frame')
      await waitFor(() => accepted[0]!.drains === 1, 5000, 'drain')
      expect(c.got.map((m) => decodeFrame(m).requestId)).toEqual(
        Array.from({ length: sent }, (_, i) => i + 1),
      )
    })

    it("overflowPolicy 'close' closes the connection (reason overflow)", async () => {
      const { url, accepted } = await start({
        highWaterMark: 64 * 1024,
        maxQueuedBytes: 64 * 1024,
        overflowPolicy: 'close',
      })
      const c = await client(url)
      await waitFor(() => accepted.length === 1)
      const conn = accepted[0]!.conn
      expect(conn.send(CHAT.code, 1, Buffer.alloc(100 * 1024))).toBe('overflow')
      expect((await accepted[0]!.closed).reason).toBe('overflow')
      expect((await closeOf(c.ws)).code).toBe(1006)
    })
  })

  it('leaves nothing open: sockets, servers and timers are gone after close()', async () => {
    const before = resources()
    const { listener, url, accepted } = await start()
    const a = await client(url)
    await client(url, { origin: 'x' })
    await waitFor(() => accepted.length === 2)
    a.ws.send(frame(CHAT.code, 'hi'))
    await waitFor(() => a.got.length === 1)
    await listener.close()
    for (const c of clients.splice(0)) c.terminate()
    await waitFor(() => sameResources(before, resources()), 5000, 'resources back to where they were')
  })
})

function resources(): Map<string, number> {
  const m = new Map<string, number>()
  for (const t of process.getActiveResourcesInfo()) m.set(t, (m.get(t) ?? 0) + 1)
  return m
}

function sameResources(a: Map<string, number>, b: Map<string, number>): boolean {
  for (const k of ['TCPServerWrap', 'TCPSocketWrap', 'Timeout'])
    if ((a.get(k) ?? 0) < (b.get(k) ?? 0)) return false
  return true
}

/** A raw TCP socket upgraded to WebSocket by hand (to send frames a real client never would). */
function rawUpgrade(port: number, path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => {
      sock.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      )
    })
    sock.once('error', reject)
    sock.once('data', (d) => {
      if (d.toString().startsWith('HTTP/1.1 101')) resolve(sock)
      else reject(new Error(d.toString()))
    })
  })
}
