// The reference's 2.x / 3.x wire through the public Server / Client (WIRE-2.md): veltix against veltix in
// both generations, and against byte-level peers replaying what Python Veltix 2.0.0rc1 itself wrote.
import { readFileSync } from 'node:fs'
import * as net from 'node:net'
import { encodeWire2Frame, type Frame, Wire2FrameDecoder } from '@veltix/codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AuthenticationError,
  Client,
  ConfigError,
  Events,
  HandshakeMessageError,
  MessageType,
  Request,
  RequestIdsExhaustedError,
  type Response,
  Server,
  ServerFullError,
  SocketCore,
} from '../src/index.js'
import { captureLogger, deferred, Fixture, waitFor } from './helpers.js'

const G = JSON.parse(
  readFileSync(new URL('../../../../shared/protocol/golden-wire2.json', import.meta.url), 'utf8'),
)
const chunk = (seq: number): Buffer =>
  Buffer.from(G.transcript.chunks.find((c: { seq: number }) => c.seq === seq).hex, 'hex')
const hs = (name: string): Buffer =>
  Buffer.from(G.handshake.find((h: { name: string }) => h.name === name).hex, 'hex')
const compat = (name: string): Buffer =>
  Buffer.from(G.compat.find((c: { name: string }) => c.name === name).sentHex, 'hex')
const msg = (o: unknown): Buffer => {
  const j = Buffer.from(JSON.stringify(o))
  return Buffer.concat([Buffer.from([j.length >> 8, j.length & 0xff]), j])
}

const txt = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : Buffer.from(b).toString()
const CHAT = new MessageType(200, 'chat')
const ECHO = new MessageType(201, 'echo')

/** A byte-level peer: raw bytes in, optionally decoded as 2.x frames after `frames()` is called. */
class Raw {
  bytes = Buffer.alloc(0)
  readonly frames: Frame[] = []
  #decoder: Wire2FrameDecoder | undefined
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      if (this.#decoder !== undefined) this.#decoder.push(d)
      else this.bytes = Buffer.concat([this.bytes, d])
    })
    socket.on('error', () => {})
  }
  /** From now on, decode what arrives (and what is held past `skip` bytes) as 2.x frames. */
  frames2(skip: number): void {
    this.#decoder = new Wire2FrameDecoder({
      onFrame: (f) => this.frames.push({ ...f, payload: new Uint8Array(f.payload) }),
    })
    this.#decoder.push(this.bytes.subarray(skip))
  }
  async read(n: number): Promise<Buffer> {
    await waitFor(() => this.bytes.length >= n, 5000, `${n} bytes`)
    const out = this.bytes.subarray(0, n)
    this.bytes = this.bytes.subarray(n)
    return out
  }
  /** One handshake message (u16 length + JSON), raw. */
  async message(): Promise<Buffer> {
    await waitFor(() => this.bytes.length >= 2)
    return this.read(2 + this.bytes.readUInt16BE(0))
  }
}

const sockets: net.Socket[] = []
const rawServers: net.Server[] = []
function dial(port: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(new Raw(s)))
    s.once('error', reject)
    sockets.push(s)
  })
}
/** A byte-level server: `onSocket` plays the peer's part. */
async function rawServer(onSocket: (peer: Raw) => void): Promise<number> {
  const srv = net.createServer((s) => {
    sockets.push(s)
    onSocket(new Raw(s))
  })
  rawServers.push(srv)
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  return (srv.address() as net.AddressInfo).port
}

const fx = new Fixture(SocketCore.LOOP)
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await fx.close()
  await Promise.all(rawServers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

/** An echo server: CHAT to onRecv, ECHO answered with the request's id (as the reference's apps do). */
function echoServer(init: ConstructorParameters<typeof Server>[0] = {}): Server {
  const server = fx.server(init)
  server.route(ECHO, (r: Response, client) => {
    server.send(new Request(ECHO, r.content, { requestId: r.id }), client)
  })
  server.registerMessageType(CHAT)
  return server
}

describe.each(['1.6', '2'] as const)("a Client 'auto' against a Server '%s'", (protocol) => {
  it('connects and everything works: send, sendAndWait, pings both ways, tags, broadcast, stats, callbacks', async () => {
    const server = echoServer({ protocol })
    const connected = deferred<void>()
    const gone = deferred<void>()
    server.onConnect(() => connected.resolve())
    server.onDisconnect(() => gone.resolve())
    const chats: string[] = []
    server.onRecv((_c, r) => void chats.push(txt(r.content)!))
    await server.start()
    const client = fx.client(server)
    client.registerMessageType(ECHO)
    const got: string[] = []
    client.route(CHAT, (r: Response) => void got.push(txt(r.content)!))
    expect(await client.connect()).toBe(true)
    await connected.promise
    expect(client.send(new Request(CHAT, 'hi'))).toBe(true)
    const reply = await client.sendAndWait(new Request(ECHO, 'echo me'))
    expect(txt(reply?.content)).toBe('echo me')
    expect(await client.pingServer()).toBeTypeOf('number')
    const [info] = server.getAllClients()
    expect(await server.pingClient(info!)).toBeTypeOf('number')
    info!.addTag('room', 'a')
    expect(server.getClientsByTag('room', 'a')).toHaveLength(1)
    expect(server.broadcast(new Request(CHAT, 'to all'))).toBe(1)
    await waitFor(() => chats.length === 1 && got.length === 1)
    expect(chats).toEqual(['hi'])
    expect(got).toEqual(['to all'])
    // Wire 2 (no HELLO_ACK): hi, echo, ping, pong are all the client sent, each with a 15-byte header.
    if (protocol === '2') expect(client.stats().bytesOut).toBe(4 * 15 + 2 + 7)
    else expect(client.stats().bytesOut).toBeGreaterThan(4 * 22 + 2 + 7)
    expect(server.stats().messagesIn).toBeGreaterThanOrEqual(2) // hi and echo (pings count as system frames)
    await client.disconnect()
    await gone.promise
  })
})

describe("a Server '2' pushing while a client's sendAndWait is pending", () => {
  it('plain sends and broadcasts are never taken for the reply (they carry an id of the server half)', async () => {
    const server = fx.server({ protocol: '2' })
    const held: Array<() => void> = []
    server.route(ECHO, (r: Response, client) => {
      held.push(() => server.send(new Request(ECHO, r.content, { requestId: r.id }), client))
    })
    server.registerMessageType(CHAT)
    await server.start()
    const client = fx.client(server)
    const pushed: string[] = []
    client.setCallback(Events.ON_RECV, (r: Response) => pushed.push(r.text()))
    expect(await client.connect()).toBe(true)
    const waits = [0, 1, 2].map((i) => client.sendAndWait(new Request(ECHO, `ask ${i}`), { timeout: 5000 }))
    await waitFor(() => held.length === 3)
    const [info] = server.getAllClients()
    // the client's pending ids are 0, 1, 2: a push carrying any of them would complete a wait
    for (let i = 0; i < 3; i++) expect(server.send(new Request(CHAT, `push ${i}`), info!)).toBe(true)
    expect(server.broadcast(new Request(CHAT, 'all'))).toBe(1)
    await waitFor(() => pushed.length === 4)
    for (const answer of held) answer()
    expect((await Promise.all(waits)).map((r) => r?.text())).toEqual(['ask 0', 'ask 1', 'ask 2'])
    expect(pushed).toEqual(['push 0', 'push 1', 'push 2', 'all'])
    expect(client.stats().pendingRequests).toBe(0)
  })
})

describe("a Server '2' against a byte-level 2.0.0rc1 client replaying the golden transcript", () => {
  it('writes the reference-accepted hello, the ack, and the echo / PONG bytes the reference wrote', async () => {
    const server = echoServer({ protocol: '2' })
    const chats: Response[] = []
    server.onRecv((_c, r) => void chats.push(r))
    await server.start()
    const py = await dial(server.port)
    // The hello a real 2.0.0rc1 client accepted (compat 'dual-key-server-hello'), byte for byte.
    expect((await py.message()).toString('hex')).toBe(compat('dual-key-server-hello').toString('hex'))
    py.socket.write(chunk(1))
    expect((await py.message()).toString('hex')).toBe(chunk(2).toString('hex'))
    py.frames2(0)
    py.socket.write(chunk(3)) // chat, id 0
    await waitFor(() => chats.length === 1)
    expect(txt(chats[0]!.content)).toBe('hello from python')
    expect(chats[0]!.id).toBe(0)
    py.socket.write(chunk(4)) // echo, id 1
    py.socket.write(chunk(6)) // PING, id 2
    await waitFor(() => py.frames.length === 2)
    const sent = Buffer.concat(py.frames.map((f) => encodeWire2Frame(f)))
    expect(sent.toString('hex')).toBe(Buffer.concat([chunk(5), chunk(7)]).toString('hex'))
    // Our ping uses the server's half of the ids (WIRE-2.md §4), answered as 2.0.0rc1's PingRule does.
    const [info] = server.getAllClients()
    const rtt = server.pingClient(info!)
    await waitFor(() => py.frames.length === 3)
    const ping = py.frames[2]!
    expect(ping.code).toBe(0)
    expect(ping.requestId).toBeGreaterThanOrEqual(32768)
    py.socket.write(encodeWire2Frame({ code: 1, requestId: ping.requestId, payload: new Uint8Array(0) }))
    expect(await rtt).toBeTypeOf('number')
    // A broadcast is one 15-byte frame carrying the first id of the server's half, 32768 (the reference sends 0,
    // which a client's pending wait with id 0 would take for its reply); a plain send the same.
    expect(server.broadcast(new Request(CHAT, 'all'))).toBe(1)
    expect(server.send(new Request(CHAT, 'one'), info!)).toBe(true)
    await waitFor(() => py.frames.length === 5)
    expect(encodeWire2Frame(py.frames[3]!).toString('hex')).toBe(
      encodeWire2Frame({ code: 200, requestId: 32768, payload: Buffer.from('all') }).toString('hex'),
    )
    expect(py.frames[4]!.requestId).toBe(32768)
  })

  it('a bad magic from one client closes that connection only; the server keeps serving the others', async () => {
    const server = echoServer({ protocol: '2' })
    await server.start()
    const bad = await dial(server.port)
    await bad.message()
    bad.socket.write(chunk(1))
    await bad.message()
    const closed = deferred<void>()
    bad.socket.on('close', () => closed.resolve())
    bad.socket.write(Buffer.from('5659000000c8000000000000000000', 'hex')) // "VY": not a 2.x frame
    await closed.promise
    const client = fx.client(server)
    expect(await client.connect()).toBe(true)
    expect(txt((await client.sendAndWait(new Request(ECHO, 'still here')))?.content)).toBe('still here')
  })
})

describe("a Client 'auto' against byte-level 2.x servers", () => {
  it("answers a 2.0.0rc1 server's golden hello with the reference-accepted reply and speaks 15-byte frames", async () => {
    const replies: Buffer[] = []
    let frames: Frame[] = []
    const port = await rawServer(async (peer) => {
      peer.socket.write(hs('server-hello'))
      replies.push(await peer.message())
      // The ack and a PING in one segment, as 2.0.0rc1 may send them.
      peer.socket.write(Buffer.concat([chunk(2), chunk(8)]))
      peer.frames2(0)
      frames = peer.frames
    })
    const client = fx.client(port)
    expect(await client.connect()).toBe(true)
    expect(JSON.parse(replies[0]!.subarray(2).toString())).toEqual({ v: '2.0.0', pv: '1.0', meta: {} })
    client.send(new Request(CHAT, 'hello from ts'))
    await waitFor(() => frames.length === 2)
    // The PONG to the golden PING (id 0), byte for byte as the reference's (transcript chunk 9); the chat
    // (id 0, as the reference's plain send) may come first: the app may send before the PING is read.
    const pong = frames.find((f) => f.code === 1)!
    expect(encodeWire2Frame(pong).toString('hex')).toBe(chunk(9).toString('hex'))
    expect(frames.find((f) => f.code === 200)).toMatchObject({ requestId: 0 })
  })

  it('ids wrap around within a small id_window, replies out of order, all in use → RequestIdsExhaustedError', async () => {
    let peer!: Raw
    const port = await rawServer(async (p) => {
      peer = p
      p.socket.write(msg({ v: '3.0.1', pv: '1.0', meta: { id_window: 4 } }))
      await p.message()
      p.socket.write(msg({ result: 'ok' }))
      p.frames2(0)
    })
    const client = fx.client(port)
    client.registerMessageType(ECHO)
    expect(await client.connect()).toBe(true)
    const answer = (id: number): void => {
      const f = peer.frames.find((x) => x.requestId === id && x.code === 201)!
      peer.socket.write(encodeWire2Frame({ code: 201, requestId: id, payload: f.payload }))
      peer.frames.splice(peer.frames.indexOf(f), 1)
    }
    const waits = [0, 1, 2, 3].map((i) => client.sendAndWait(new Request(ECHO, `m${i}`), { timeout: 5000 }))
    await expect(client.sendAndWait(new Request(ECHO, 'fifth'))).rejects.toBeInstanceOf(
      RequestIdsExhaustedError,
    )
    await waitFor(() => peer.frames.length === 4)
    expect(peer.frames.map((f) => f.requestId)).toEqual([0, 1, 2, 3])
    answer(2)
    answer(0)
    expect(txt((await waits[2])?.content)).toBe('m2')
    expect(txt((await waits[0])?.content)).toBe('m0')
    // Wrapped: 0 is free again, 1 and 3 are still pending and skipped.
    const again = client.sendAndWait(new Request(ECHO, 'wrapped'), { timeout: 5000 })
    const next = client.sendAndWait(new Request(ECHO, 'wrapped2'), { timeout: 5000 })
    await waitFor(() => peer.frames.length === 4)
    expect(peer.frames.map((f) => f.requestId)).toEqual([1, 3, 0, 2])
    answer(3)
    answer(2)
    answer(1)
    answer(0)
    expect(txt((await waits[3])?.content)).toBe('m3')
    expect(txt((await waits[1])?.content)).toBe('m1')
    expect(txt((await again)?.content)).toBe('wrapped')
    expect(txt((await next)?.content)).toBe('wrapped2')
    expect(client.stats().pendingRequests).toBe(0)
  })

  it('a full 3.x-style server\'s {"error": "server_full"} fails connect() with ServerFullError', async () => {
    const port = await rawServer((p) => p.socket.end(msg({ error: 'server_full' })))
    const client = fx.client(port)
    expect(await client.connect()).toBe(false)
    expect(client.lastError).toBeInstanceOf(ServerFullError)
    expect(client.lastError?.message).toMatch(/server_full/)
  })

  it('connectTimeout covers a server that accepts and says nothing', async () => {
    const port = await rawServer(() => {})
    const client = fx.client(port, { connectTimeout: 200, handshakeTimeout: 10_000 })
    expect(await client.connect()).toBe(false)
    expect((client.lastError as { code?: string }).code).toMatch(/ETIMEDOUT|VELTIX_ERR/)
  })

  it('an abort signal covers the 2.x handshake', async () => {
    const port = await rawServer((p) => p.socket.write(hs('server-hello')))
    const client = fx.client(port, { protocol: '2', handshakeTimeout: 10_000 })
    const ac = new AbortController()
    const p = client.connect({ signal: ac.signal })
    setTimeout(() => ac.abort(), 100)
    await expect(p).rejects.toThrow()
  })
})

describe('profile mismatches, refusals and config', () => {
  it('a Server \'2\' at maxConnection writes {"error": "server_full"}; a client \'auto\' fails with ServerFullError', async () => {
    const server = echoServer({ protocol: '2', maxConnection: 1 })
    await server.start()
    const first = fx.client(server)
    expect(await first.connect()).toBe(true)
    const raw = await dial(server.port)
    const closed = deferred<void>()
    raw.socket.on('close', () => closed.resolve())
    await closed.promise
    const full = Buffer.from('{"error": "server_full"}')
    expect(raw.bytes.toString('hex')).toBe(
      Buffer.concat([Buffer.from([0, full.length]), full]).toString('hex'),
    )
    const second = fx.client(server)
    expect(await second.connect()).toBe(false)
    expect(second.lastError).toBeInstanceOf(ServerFullError)
  })

  it("a Client '2' against a Server '1.6' fails typed, naming the 1.6.3 wire", async () => {
    const server = echoServer()
    await server.start()
    const client = fx.client(server, { protocol: '2' })
    expect(await client.connect()).toBe(false)
    expect(client.lastError).toBeInstanceOf(HandshakeMessageError)
    expect(client.lastError?.message).toMatch(/1\.6\.3/)
  })

  it("a Client '1.6' against a Server '2' fails typed", async () => {
    const server = echoServer({ protocol: '2', handshakeTimeout: 500 })
    await server.start()
    const client = fx.client(server, { protocol: '1.6', handshakeTimeout: 500 })
    expect(await client.connect()).toBe(false)
    expect(client.lastError).toBeInstanceOf(Error)
    expect((client.lastError as { code?: string }).code).toMatch(/^VELTIX_ERR_/)
  })

  it('bad values and the worker core with protocol 2 are ConfigErrors', () => {
    expect(() => new Server({ protocol: '3' as '2' })).toThrow(ConfigError)
    expect(() => new Client({ protocol: 'auto2' as '2' })).toThrow(ConfigError)
    expect(() => new Server({ protocol: 'auto' as '2' })).toThrow(/'1.6', '2'/)
    expect(() => new Server({ protocol: '2', socketCore: SocketCore.WORKER })).toThrow(ConfigError)
    expect(() => new Client({ protocol: '2', socketCore: SocketCore.WORKER })).toThrow(/loop core/)
    expect(new Client({ logger: captureLogger() }).config.protocol).toBe('auto')
    expect(new Server({ logger: captureLogger() }).config.protocol).toBe('1.6')
  })
})

describe('our extras between two Veltix for TypeScript peers on wire 2 (meta.vx)', () => {
  it('authentication negotiates: the right token passes, a wrong one fails with AuthenticationError', async () => {
    const server = echoServer({ protocol: '2', authenticate: (info) => info.token === 'secret' })
    await server.start()
    const ok = fx.client(server, { token: 'secret' })
    expect(await ok.connect()).toBe(true)
    expect(txt((await ok.sendAndWait(new Request(ECHO, 'authed')))?.content)).toBe('authed')
    const bad = fx.client(server, { token: 'nope' })
    expect(await bad.connect()).toBe(false)
    expect(bad.lastError).toBeInstanceOf(AuthenticationError)
  })

  it('encryption negotiates and the session is sealed; a Python-style client is refused by an authenticating server', async () => {
    const server = echoServer({ protocol: '2', encryption: 'required' })
    await server.start()
    const client = fx.client(server, { encryption: 'required', serverKey: server.fingerprint! })
    expect(await client.connect()).toBe(true)
    expect(client.encrypted).toBe(true)
    expect(txt((await client.sendAndWait(new Request(ECHO, 'sealed')))?.content)).toBe('sealed')
    // A Python client sends no meta.vx: it cannot do our encryption, so a 'required' server closes it.
    const py = await dial(server.port)
    const hello = JSON.parse((await py.message()).subarray(2).toString())
    expect(hello.meta).toEqual({ id_window: 32768, vx: { hello: 1 } })
    const closed = deferred<void>()
    py.socket.on('close', () => closed.resolve())
    py.socket.write(chunk(1))
    await closed.promise
  })
})
