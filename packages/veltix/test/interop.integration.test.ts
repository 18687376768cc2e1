// Interop with Python Veltix 1.6.3: a reference peer played at byte level (the golden frames the reference
// itself produced, and frames laid out exactly as it writes them) against our Server and Client.
import { readFileSync } from 'node:fs'
import * as net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  decodeHelloPayload,
  encodeFrame,
  encodeHelloPayload,
  type Frame,
  FrameDecoder,
} from '../src/codec.js'
import { Events, MessageType, Request, type Response, SocketCore } from '../src/index.js'
import { deferred, Fixture, waitFor } from './helpers.js'

interface Golden {
  name: string
  code: number
  requestId: string
  payloadHex: string
  frameHex: string
}
const GOLDEN: Golden[] = JSON.parse(
  readFileSync(new URL('../../codec/test/fixtures/golden-frames.json', import.meta.url), 'utf8'),
).frames
const golden = (name: string) => GOLDEN.find((g) => g.name === name)!

/** A reference peer on a raw socket: collects decoded frames, writes raw bytes. */
class RawPeer {
  readonly frames: Frame[] = []
  /** Every byte received, to compare layouts. */
  bytes = Buffer.alloc(0)
  readonly #decoder = new FrameDecoder({
    onFrame: (f) => this.frames.push({ ...f, payload: new Uint8Array(f.payload) }),
  })
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.bytes = Buffer.concat([this.bytes, d])
      this.#decoder.push(d)
    })
    socket.on('error', () => {})
  }
  write(bytes: Uint8Array): void {
    this.socket.write(bytes)
  }
  async next(code: number): Promise<Frame> {
    await waitFor(() => this.frames.some((f) => f.code === code), 5000, `frame ${code}`)
    const i = this.frames.findIndex((f) => f.code === code)
    return this.frames.splice(i, 1)[0]!
  }
}

const sockets: net.Socket[] = []
const rawServers: net.Server[] = []

describe.each([SocketCore.LOOP, SocketCore.WORKER])('Python Veltix 1.6.3 peer on the %s core', (core) => {
  const fx = new Fixture(core)
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy()
    await Promise.all(rawServers.splice(0).map((s) => new Promise((r) => s.close(r))))
    await fx.close()
  })

  it('our Server: HELLO 1.6.3, accepts the reference HELLO_ACK, routes golden frames, answers PING', async () => {
    const server = fx.server()
    const CHAT = new MessageType(200, 'chat')
    const got = deferred<Response>()
    const connected = deferred<void>()
    server.setCallback(Events.ON_CONNECT, () => connected.resolve())
    server.route(CHAT, (res, client) => {
      got.resolve(res)
      // Reply as the Python app expects: same type, same request id.
      server.getSender().send(new Request(CHAT, 'hello python', { requestId: res.requestId }), client.conn)
    })
    await server.start()

    const socket = net.connect(server.port, '127.0.0.1')
    sockets.push(socket)
    const peer = new RawPeer(socket)
    const hello = await peer.next(10)
    expect(decodeHelloPayload(hello.payload).version).toBe('1.6.3')
    // Exactly the reference's HELLO payload: u16 length + "1.6.3", nothing after it.
    expect(Buffer.from(hello.payload).toString('hex')).toBe('0005312e362e33')

    // A reference client answers HELLO_ACK with the same id and its version.
    peer.write(encodeFrame({ code: 11, requestId: hello.requestId, payload: encodeHelloPayload('1.6.3') }))
    await connected.promise

    // A golden frame straight from the Python encoder.
    peer.write(Buffer.from(golden('chat-hi').frameHex, 'hex'))
    const res = await got.promise
    expect(res.text()).toBe('hi')
    expect(Buffer.from(res.requestId).toString('hex')).toBe('01020304')
    expect(res.timestamp).toBe(1_700_000_000_000)

    const reply = await peer.next(200)
    expect(Buffer.from(reply.payload).toString()).toBe('hello python')
    expect(reply.requestId).toBe(0x01020304)

    // The reference pings with an empty payload; we answer PONG with the same id.
    peer.write(encodeFrame({ code: 0, requestId: 0xdeadbeef, payload: new Uint8Array(0) }))
    const pong = await peer.next(1)
    expect(pong.requestId).toBe(0xdeadbeef)
    expect(pong.payload.length).toBe(0)
  })

  it("handshakeMode 'lenient': any frame carrying the HELLO's id completes it, as the reference server", async () => {
    const server = fx.server({ handshakeMode: 'lenient' })
    const connected = deferred<void>()
    server.setCallback(Events.ON_CONNECT, () => connected.resolve())
    await server.start()
    const socket = net.connect(server.port, '127.0.0.1')
    sockets.push(socket)
    const peer = new RawPeer(socket)
    const hello = await peer.next(10)
    peer.write(encodeFrame({ code: 200, requestId: hello.requestId, payload: Buffer.from('x') }))
    await connected.promise
    expect(server.getAllClients()).toHaveLength(1)
  })

  it('our Client: answers the reference HELLO with HELLO_ACK (same id, 1.6.3), then talks', async () => {
    const peerReady = deferred<RawPeer>()
    const raw = net.createServer((socket) => {
      sockets.push(socket)
      const peer = new RawPeer(socket)
      // The reference server's HELLO: fresh id, u16-length-prefixed version.
      peer.write(encodeFrame({ code: 10, requestId: 0x0a0b0c0d, payload: encodeHelloPayload('1.6.3') }))
      peerReady.resolve(peer)
    })
    rawServers.push(raw)
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r))
    const port = (raw.address() as net.AddressInfo).port

    const client = fx.client(port)
    const received = deferred<Response>()
    client.setCallback(Events.ON_RECV, (r) => received.resolve(r))
    expect(await client.connect()).toBe(true)
    const peer = await peerReady.promise
    const ack = await peer.next(11)
    expect(ack.requestId).toBe(0x0a0b0c0d)
    expect(decodeHelloPayload(ack.payload).version).toBe('1.6.3')

    // Golden frame from the reference: code 201 (a type the Python app declares), UTF-8 payload.
    peer.write(Buffer.from(golden('echo-utf8').frameHex, 'hex'))
    const r = await received.promise
    expect(r.type.code).toBe(201)
    expect(r.text()).toBe('héllo wörld ✓')

    // Request/response: the reference app echoes with the same id.
    const ECHO = new MessageType(201, 'echo')
    const pending = client.sendAndWait(new Request(ECHO, 'ping me'), { timeout: 5000 })
    const req = await peer.next(201)
    expect(Buffer.from(req.payload).toString()).toBe('ping me')
    peer.write(encodeFrame({ code: 201, requestId: req.requestId, payload: req.payload }))
    const reply = await pending
    expect(reply?.text()).toBe('ping me')
    expect(reply?.latency).toBeGreaterThanOrEqual(0)

    // Our bytes on the wire are the reference layout: the frame re-encoded by the golden-tested codec from
    // its decoded fields is found verbatim in what the client wrote.
    const expected = encodeFrame({
      code: 201,
      requestId: req.requestId,
      payload: req.payload,
      timestamp: req.timestamp,
    })
    expect(peer.bytes.includes(expected)).toBe(true)
  })

  it('our Client: a reference server announcing another version makes connect() false, at once', async () => {
    const raw = net.createServer((socket) => {
      sockets.push(socket)
      socket.on('error', () => {})
      socket.write(encodeFrame({ code: 10, requestId: 1, payload: encodeHelloPayload('1.5.0') }))
    })
    rawServers.push(raw)
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r))
    const client = fx.client((raw.address() as net.AddressInfo).port, { retry: 3, retryDelay: 10 })
    const reasons: string[] = []
    client.setCallback(Events.ON_DISCONNECT, (s) => reasons.push(`${s.reason}:${s.permanent}`))
    expect(await client.connect()).toBe(false)
    expect(reasons).toEqual(['version_mismatch:true']) // never retried
  })
})
