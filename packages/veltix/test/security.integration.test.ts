// Encryption, authentication and limits, end to end over loopback on both socket cores. The man in the
// middle is a plain net server between client and server that sees (and may rewrite) every frame.
import * as net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { hasOpenssl, makeTestPki } from '../../transport/test/tls-pki.js'
import {
  decodeHelloPayload,
  encodeFrame,
  encodeHelloPayload,
  type Frame,
  FrameDecoder,
} from '../src/codec.js'
import {
  AuthenticationError,
  type Client,
  DisconnectReason,
  type DisconnectState,
  EncryptionRequiredError,
  Events,
  fingerprint,
  generateIdentity,
  MessageType,
  RateLimitError,
  ReorderError,
  ReplayError,
  Request,
  type Response,
  SecureError,
  type ServerDisconnectInfo,
  ServerRefusedError,
  SocketCore,
  UntrustedKeyError,
} from '../src/index.js'
import { Fixture, waitFor } from './helpers.js'

const ECHO = new MessageType(201, 'echo')
const NOTE = new MessageType(202, 'note')
const SECURE_CODE = 30
const identity = generateIdentity()
const serverKey = fingerprint(identity.publicKey)

type Dir = 'c2s' | 's2c'
/** Returns the frames to forward instead of `frame` (whole encoded frames), or undefined to forward it as is. */
type Rewrite = (frame: Buffer, dir: Dir, secureIndex: number) => Buffer[] | undefined

interface Proxy {
  port: number
  close(): Promise<void>
}

const proxies: Proxy[] = []

async function mitm(target: number, rewrite: Rewrite): Promise<Proxy> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((down) => {
    const up = net.connect(target, '127.0.0.1')
    sockets.add(down).add(up)
    const pipe = (from: net.Socket, to: net.Socket, dir: Dir) => {
      let buf = Buffer.alloc(0)
      let secure = 0
      from.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d])
        while (buf.length >= 22) {
          const total = 22 + buf.readUInt32BE(2)
          if (buf.length < total) break
          const frame = Buffer.from(buf.subarray(0, total))
          buf = buf.subarray(total)
          const isSecure = frame.readUInt16BE(0) === SECURE_CODE
          const out = rewrite(frame, dir, isSecure ? secure : -1)
          if (isSecure) secure++
          for (const f of out ?? [frame]) to.write(f)
        }
      })
      from.on('end', () => to.end())
      from.on('error', () => to.destroy())
      from.on('close', () => to.destroy())
    }
    pipe(down, up, 'c2s')
    pipe(up, down, 's2c')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const p: Proxy = {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
  proxies.push(p)
  return p
}

function parse(frame: Buffer): Frame {
  return {
    code: frame.readUInt16BE(0),
    timestamp: frame.readUInt32BE(10) * 2 ** 32 + frame.readUInt32BE(14),
    requestId: frame.readUInt32BE(18),
    payload: frame.subarray(22),
  }
}

/** Re-encodes a frame with a valid CRC (what an attacker does: the CRC is no MAC). */
function reframe(f: Frame): Buffer {
  return encodeFrame({ code: f.code, requestId: f.requestId, timestamp: f.timestamp, payload: f.payload })
}

/** Removes every `vx.enc*` capability from a HELLO / HELLO_ACK frame. */
function stripEnc(frame: Buffer): Buffer {
  const f = parse(frame)
  const hello = decodeHelloPayload(f.payload)
  const caps = new Map([...(hello.capabilities ?? [])].filter(([k]) => !k.startsWith('vx.enc')))
  return reframe({ ...f, payload: encodeHelloPayload(hello.version, caps) })
}

const sockets: net.Socket[] = []
const rawServers: net.Server[] = []

describe.each([SocketCore.LOOP, SocketCore.WORKER])('security on the %s core', (core) => {
  const fx = new Fixture(core)
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy()
    await Promise.all(rawServers.splice(0).map((s) => new Promise((r) => s.close(r))))
    await fx.close()
    await Promise.all(proxies.splice(0).map((p) => p.close()))
  })

  function echoServer(init: Parameters<Fixture['server']>[0] = {}) {
    const server = fx.server({ encryption: 'optional', identity, maxWorkers: 1, ...init })
    const received: string[] = []
    const disconnects: ServerDisconnectInfo[] = []
    let connects = 0
    server.route(ECHO, (res, client) => {
      received.push(res.text())
      server.getSender().send(new Request(ECHO, res.content, { requestId: res.id }), client.conn)
    })
    server.route(NOTE, (res) => {
      received.push(res.text())
    })
    server.setCallback(Events.ON_CONNECT, () => {
      connects++
    })
    server.setCallback(Events.ON_DISCONNECT, (_c, info) => {
      disconnects.push(info)
    })
    return { server, received, disconnects, connects: () => connects }
  }

  function watched(c: Client): { states: DisconnectState[]; got: Response[] } {
    const states: DisconnectState[] = []
    const got: Response[] = []
    c.setCallback(Events.ON_DISCONNECT, (s) => {
      states.push(s)
    })
    c.setCallback(Events.ON_RECV, (r) => {
      got.push(r)
    })
    return { states, got }
  }

  it('encrypted end to end: requests, pings, broadcast, identities', async () => {
    const { server } = echoServer()
    await server.start()
    expect(server.fingerprint).toBe(serverKey)
    const a = fx.client(server, { encryption: 'required', serverKey, maxWorkers: 1 })
    const b = fx.client(server, { encryption: 'optional', trustOnFirstUse: true, maxWorkers: 1 })
    const wa = watched(a)
    const wb = watched(b)
    expect(await a.connect()).toBe(true)
    expect(await b.connect()).toBe(true)
    expect(a.encrypted && b.encrypted).toBe(true)
    expect(a.serverKey).toBe(serverKey)
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => a.sendAndWait(new Request(ECHO, `m${i}`))),
    )
    expect(replies.map((r) => r?.text())).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`))
    expect(await a.pingServer({ timeout: 5000 })).toBeTypeOf('number')
    await waitFor(() => server.getAllClients().length === 2)
    expect(server.getAllClients().every((c) => c.encrypted)).toBe(true)
    expect(await server.pingClient(server.getAllClients()[0]!, { timeout: 5000 })).toBeTypeOf('number')
    expect(server.getSender().broadcast(new Request(NOTE, 'all'), server.getAllClientsSockets())).toBe(2)
    await waitFor(() => wa.got.length === 1 && wb.got.length === 1)
    expect(wa.got[0]!.text()).toBe('all')
    await a.disconnect()
    await b.disconnect()
    expect(wa.states.at(-1)?.error).toBeUndefined()
  })

  it.skipIf(!hasOpenssl())(
    'tls on ServerConfig / ClientConfig reaches the transport (with encryption inside)',
    async () => {
      const pki = makeTestPki()
      try {
        const { server } = echoServer({ tls: { cert: pki.serverCert, key: pki.serverKey } })
        await server.start()
        const c = fx.client(server, { tls: { ca: pki.ca }, encryption: 'required', serverKey })
        expect(await c.connect()).toBe(true)
        expect(c.connection?.encrypted).toBe(true) // TLS on the socket
        expect(c.encrypted).toBe(true) // and the session's own encryption inside it
        expect((await c.sendAndWait(new Request(ECHO, 'tls')))?.text()).toBe('tls')
        const untrusting = fx.client(server, { tls: { ca: pki.otherCa } })
        expect(await untrusting.connect()).toBe(false)
        expect(untrusting.lastError?.name).toBe('TlsError')
      } finally {
        pki.dispose()
      }
    },
  )

  it('a wrong server key is refused: connect() false, lastError UntrustedKeyError, no retry', async () => {
    const { server, connects } = echoServer()
    await server.start()
    const c = fx.client(server, {
      encryption: 'optional',
      serverKey: fingerprint(generateIdentity().publicKey),
      retry: 3,
      retryDelay: 10,
    })
    const w = watched(c)
    expect(await c.connect()).toBe(false)
    expect(c.lastError).toBeInstanceOf(UntrustedKeyError)
    expect(w.states).toHaveLength(1)
    expect(w.states[0]!.permanent).toBe(true)
    expect(w.states[0]!.error).toBeInstanceOf(UntrustedKeyError)
    expect(connects()).toBe(0)
  })

  // Byte positions inside the first data record the server sends (its reply), CRC made valid again.
  const tampers: [string, (f: Buffer) => Buffer][] = [
    ['outer timestamp', (f) => reframe({ ...parse(f), timestamp: 1 })],
    ['outer request id', (f) => reframe({ ...parse(f), requestId: 7 })],
    ['outer code', (f) => reframe({ ...parse(f), code: 201 })],
    ['outer CRC (left invalid)', (f) => flipAt(f, 7)],
    ['record type', (f) => reframeFlip(f, 0)],
    ['ciphertext', (f) => reframeFlip(f, 5)],
    ['tag', (f) => reframeFlip(f, parse(f).payload.length - 1)],
    ['truncated record', (f) => reframe({ ...parse(f), payload: parse(f).payload.subarray(0, 20) })],
  ]
  for (const [where, tamper] of tampers) {
    it(`a tampered ${where} closes the connection with a typed error; nothing is delivered`, async () => {
      const { server } = echoServer()
      await server.start()
      const proxy = await mitm(server.port, (frame, dir, i) =>
        dir === 's2c' && i === 1 ? [tamper(frame)] : undefined,
      )
      const c = fx.client(proxy.port, { encryption: 'required', serverKey })
      const w = watched(c)
      expect(await c.connect()).toBe(true)
      const reply = c.sendAndWait(new Request(ECHO, 'secret'), { timeout: 10_000 })
      await expect(reply).rejects.toThrow() // ConnectionClosedError: the reply never arrives
      await waitFor(() => w.states.length === 1)
      expect(w.states[0]!.error).toBeInstanceOf(SecureError)
      expect(w.got).toHaveLength(0)
    })
  }

  it('a replayed record is refused (ReplayError) and closes the connection', async () => {
    const { server, received, disconnects } = echoServer()
    await server.start()
    const proxy = await mitm(server.port, (frame, dir, i) =>
      dir === 'c2s' && i === 0 ? [frame, frame] : undefined,
    )
    const c = fx.client(proxy.port, { encryption: 'required', serverKey })
    expect(await c.connect()).toBe(true)
    c.getSender().send(new Request(NOTE, 'once'))
    await waitFor(() => disconnects.length === 1)
    expect(disconnects[0]!.error).toBeInstanceOf(ReplayError)
    expect(received).toEqual(['once'])
  })

  it('reordered records are refused (ReorderError) and close the connection', async () => {
    const { server, received, disconnects } = echoServer()
    await server.start()
    let held: Buffer | undefined
    const proxy = await mitm(server.port, (frame, dir, i) => {
      if (dir !== 'c2s' || i < 0) return undefined
      if (i === 0) {
        held = frame
        return []
      }
      return i === 1 ? [frame, held!] : undefined
    })
    const c = fx.client(proxy.port, { encryption: 'required', serverKey })
    expect(await c.connect()).toBe(true)
    c.getSender().send(new Request(NOTE, 'first'))
    await new Promise((r) => setTimeout(r, 20)) // a later tick: its own record
    c.getSender().send(new Request(NOTE, 'second'))
    await waitFor(() => disconnects.length === 1)
    expect(disconnects[0]!.error).toBeInstanceOf(ReorderError)
    expect(received).toEqual([])
  })

  it("a man in the middle stripping the HELLO's offer cannot downgrade a required client", async () => {
    const { server, connects } = echoServer()
    await server.start()
    const proxy = await mitm(server.port, (frame, dir) =>
      dir === 's2c' && frame.readUInt16BE(0) === 10 ? [stripEnc(frame)] : undefined,
    )
    const c = fx.client(proxy.port, { encryption: 'required', serverKey, retry: 2, retryDelay: 10 })
    expect(await c.connect()).toBe(false)
    expect(c.lastError).toBeInstanceOf(EncryptionRequiredError)
    expect(connects()).toBe(0)
    // an optional client that pins the key refuses the downgrade too
    const d = fx.client(proxy.port, { encryption: 'optional', serverKey })
    expect(await d.connect()).toBe(false)
    expect((d.lastError as EncryptionRequiredError).requiredBy).toBe('pin')
  })

  it("stripping the client's HELLO_ACK entries cannot downgrade a required server", async () => {
    const { server, connects } = echoServer({ encryption: 'required' })
    await server.start()
    const proxy = await mitm(server.port, (frame, dir) =>
      dir === 'c2s' && frame.readUInt16BE(0) === 11 ? [stripEnc(frame)] : undefined,
    )
    const c = fx.client(proxy.port, { encryption: 'optional', serverKey })
    expect(await c.connect()).toBe(false)
    await waitFor(() => server.stats().handshakeFailures === 1)
    expect(connects()).toBe(0)
  })

  it('a plaintext reference-style client still works with an optional server', async () => {
    const { server, received } = echoServer()
    await server.start()
    const frames: Frame[] = []
    const decoder = new FrameDecoder({
      onFrame: (f) => frames.push({ ...f, payload: Buffer.from(f.payload) }),
    })
    const s = net.connect(server.port, '127.0.0.1')
    sockets.push(s)
    s.on('data', (d: Buffer) => decoder.push(d))
    await waitFor(() => frames.length === 1)
    const hello = frames.shift()!
    expect(decodeHelloPayload(hello.payload).capabilities?.has('vx.enc')).toBe(true)
    // the reference answers with its exact bytes: version only, no capability block
    s.write(encodeFrame({ code: 11, requestId: hello.requestId, payload: encodeHelloPayload('1.6.3') }))
    s.write(encodeFrame({ code: ECHO.code, requestId: 42, payload: Buffer.from('plain') }))
    await waitFor(() => frames.length === 1)
    expect(frames[0]!.code).toBe(ECHO.code)
    expect(Buffer.from(frames[0]!.payload).toString()).toBe('plain')
    expect(received).toEqual(['plain'])
    expect(server.getAllClients()[0]!.encrypted).toBe(false)
  })

  it('an optional client talks plain to a reference-style server', async () => {
    const raw = net.createServer((s) => {
      sockets.push(s)
      const decoder = new FrameDecoder({
        onFrame: (f) => {
          if (f.code === ECHO.code)
            s.write(encodeFrame({ code: ECHO.code, requestId: f.requestId, payload: f.payload }))
        },
      })
      s.on('data', (d: Buffer) => decoder.push(d))
      s.write(encodeFrame({ code: 10, requestId: 0x01020304, payload: encodeHelloPayload('1.6.3') }))
    })
    rawServers.push(raw)
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r))
    const c = fx.client((raw.address() as net.AddressInfo).port, {
      encryption: 'optional',
      trustOnFirstUse: true,
    })
    expect(await c.connect()).toBe(true)
    expect(c.encrypted).toBe(false)
    expect((await c.sendAndWait(new Request(ECHO, 'hi')))?.text()).toBe('hi')
  })

  it('authenticate refuses a client: AuthenticationError on connect(), no retry, no handler runs', async () => {
    const seen: { token: string | undefined; encrypted: boolean; addr: string }[] = []
    const { server, received, connects } = echoServer({
      authenticate: async (info) => {
        seen.push({ token: info.token, encrypted: info.encrypted, addr: info.addr[0] })
        return info.token === 'good'
      },
    })
    await server.start()
    const bad = fx.client(server, {
      encryption: 'optional',
      serverKey,
      token: 'bad',
      retry: 3,
      retryDelay: 10,
    })
    const w = watched(bad)
    expect(await bad.connect()).toBe(false)
    expect(bad.lastError).toBeInstanceOf(AuthenticationError)
    expect(w.states).toHaveLength(1)
    expect(w.states[0]!.reason).toBe(DisconnectReason.AUTH_REFUSED)
    expect(w.states[0]!.permanent).toBe(true)
    expect(w.states[0]!.error).toBeInstanceOf(AuthenticationError)
    expect(bad.getSender().send(new Request(NOTE, 'sneak'))).toBe(false)
    const good = fx.client(server, { encryption: 'optional', serverKey, token: 'good' })
    expect(await good.connect()).toBe(true)
    expect((await good.sendAndWait(new Request(ECHO, 'ok')))?.text()).toBe('ok')
    expect(seen).toEqual([
      { token: 'bad', encrypted: true, addr: '127.0.0.1' },
      { token: 'good', encrypted: true, addr: '127.0.0.1' },
    ])
    expect(received).toEqual(['ok'])
    expect(connects()).toBe(1)
    expect(server.stats().authRefused).toBe(1)
  })

  it('maxConnectionsPerAddress refuses the connection over the limit, and frees the slot on close', async () => {
    const { server } = echoServer({ encryption: 'off', limits: { maxConnectionsPerAddress: 2 } })
    await server.start()
    const a = fx.client(server)
    const b = fx.client(server)
    const c = fx.client(server, { handshakeTimeout: 2000 })
    expect(await a.connect()).toBe(true)
    expect(await b.connect()).toBe(true)
    expect(await c.connect()).toBe(false)
    // told why, typed: not left to time out
    expect(c.lastError).toBeInstanceOf(ServerRefusedError)
    expect((c.lastError as ServerRefusedError).serverMessage).toMatch(/maxConnectionsPerAddress \(2\)/)
    expect(server.stats().limits.refusedConnections).toBe(1)
    await a.disconnect()
    await waitFor(() => server.stats().connections === 1)
    expect(await c.connect()).toBe(true)
  })

  it("maxConnection: the refused client fails connect() with ServerRefusedError and the server's reason", async () => {
    const { server } = echoServer({ encryption: 'off', maxConnection: 1 })
    await server.start()
    const a = fx.client(server)
    const b = fx.client(server, { handshakeTimeout: 2000 })
    expect(await a.connect()).toBe(true)
    expect(await b.connect()).toBe(false)
    expect(b.lastError).toBeInstanceOf(ServerRefusedError)
    expect((b.lastError as ServerRefusedError).serverMessage).toMatch(/max/i)
    expect(a.connected).toBe(true)
  })

  it('maxNewConnectionsPerSecond refuses a burst of new connections', async () => {
    const { server } = echoServer({ encryption: 'off', limits: { maxNewConnectionsPerSecond: 2 } })
    await server.start()
    const results: boolean[] = []
    for (let i = 0; i < 5; i++) results.push(await fx.client(server, { handshakeTimeout: 2000 }).connect())
    expect(results.filter((r) => !r).length).toBeGreaterThanOrEqual(1)
    expect(server.stats().limits.refusedConnections).toBe(results.filter((r) => !r).length)
  })

  it("maxMessagesPerSecond with onLimit 'drop' drops and counts the excess", async () => {
    const { server, received } = echoServer({ limits: { maxMessagesPerSecond: 10 } })
    await server.start()
    const c = fx.client(server, { encryption: 'optional', serverKey })
    expect(await c.connect()).toBe(true)
    for (let i = 0; i < 100; i++) c.getSender().send(new Request(NOTE, `n${i}`))
    await waitFor(() => received.length + server.stats().limits.droppedMessages === 100)
    expect(received.length).toBeGreaterThanOrEqual(10)
    expect(received.length).toBeLessThanOrEqual(20) // at most two one-second windows
    expect(received.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `n${i}`))
    expect(c.connected).toBe(true)
  })

  it("maxBytesPerSecond with onLimit 'close' closes the connection with RateLimitError", async () => {
    const { server, disconnects } = echoServer({ limits: { maxBytesPerSecond: 1000, onLimit: 'close' } })
    await server.start()
    const c = fx.client(server, { encryption: 'optional', serverKey })
    const w = watched(c)
    expect(await c.connect()).toBe(true)
    for (let i = 0; i < 50; i++) c.getSender().send(new Request(NOTE, Buffer.alloc(100)))
    await waitFor(() => disconnects.length === 1 && w.states.length === 1)
    expect(disconnects[0]!.error).toBeInstanceOf(RateLimitError)
    expect(server.stats().limits.closedConnections).toBe(1)
  })
})

function flipAt(frame: Buffer, i: number): Buffer {
  const out = Buffer.from(frame)
  out[i]! ^= 0x01
  return out
}

/** Flips a bit of the outer payload (the record) and re-encodes with a valid CRC. */
function reframeFlip(frame: Buffer, payloadIndex: number): Buffer {
  const f = parse(frame)
  const payload = Buffer.from(f.payload)
  payload[payloadIndex]! ^= 0x01
  return reframe({ ...f, payload })
}
