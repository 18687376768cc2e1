// compression(): negotiation, the wire with and without the peer's plugin, a byte-level 1.6.3 peer, a
// compression bomb, and compression under encryption.
import * as net from 'node:net'
import { deflateRawSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import {
  decodeHelloPayload,
  encodeFrame,
  encodeHelloPayload,
  type Frame,
  FrameDecoder,
} from '../../src/codec.js'
import {
  type ClientInfo,
  fingerprint,
  generateIdentity,
  MessageType,
  Request,
  type ServerDisconnectInfo,
  SocketCore,
} from '../../src/index.js'
import { CompressionBombError, compression } from '../../src/plugins/index.js'
import { deferred, Fixture, waitFor } from '../helpers.js'

const DOC = new MessageType(200, 'doc')
/** ~4 KiB of JSON, as an application sends it. */
const JSON_4K = JSON.stringify(
  Array.from({ length: 60 }, (_, i) => ({
    id: i,
    user: `user-${i}`,
    room: 'lobby',
    text: 'hello there',
    ok: true,
  })),
)

class RawPeer {
  readonly frames: Frame[] = []
  bytes = Buffer.alloc(0)
  closed = false
  readonly #decoder = new FrameDecoder({
    onFrame: (f) => this.frames.push({ ...f, payload: new Uint8Array(f.payload) }),
  })
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.bytes = Buffer.concat([this.bytes, d])
      this.#decoder.push(d)
    })
    socket.on('close', () => {
      this.closed = true
    })
    socket.on('error', () => {})
  }
  async next(code: number): Promise<Frame> {
    await waitFor(() => this.frames.some((f) => f.code === code), 5000, `frame ${code}`)
    const i = this.frames.findIndex((f) => f.code === code)
    return this.frames.splice(i, 1)[0]!
  }
}

describe.each([SocketCore.LOOP])('compression() on the %s core', (core) => {
  const fx = new Fixture(core)
  const sockets: net.Socket[] = []
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy()
    await fx.close()
  })

  /** An echo server; with `compress`, the compression plugin registered. */
  async function echoServer(compress: boolean, init: Parameters<Fixture['server']>[0] = {}) {
    const server = fx.server(init)
    if (compress) expect(server.registerPlugin(compression())).toBe(true)
    server.route(DOC, (r, c: ClientInfo) => {
      c.send(new Request(DOC, r.content, { requestId: r.id }))
    })
    await server.start()
    return server
  }

  async function roundTrip(compressServer: boolean, compressClient: boolean) {
    const server = await echoServer(compressServer)
    const client = fx.client(server)
    if (compressClient) client.registerPlugin(compression({ threshold: 1024 }))
    expect(await client.connect()).toBe(true)
    const reply = await client.sendAndWait(new Request(DOC, JSON_4K), { timeout: 5000 })
    expect(reply?.text()).toBe(JSON_4K)
    expect(reply?.type.code).toBe(DOC.code)
    const wire = client.connection!.stats
    return { out: wire.bytesOut, in: wire.bytesIn }
  }

  it('both peers offer it: sendAndWait round trips, the wire carries >= 3x fewer bytes', async () => {
    const both = await roundTrip(true, true)
    const plain = await roundTrip(false, false)
    expect(JSON_4K.length).toBeGreaterThan(4000)
    expect(plain.out).toBeGreaterThan(JSON_4K.length)
    expect(both.out * 3).toBeLessThan(plain.out)
    expect(both.in * 3).toBeLessThan(plain.in)
  })

  it('only one side has it: plain 1.6.3 frames both ways', async () => {
    for (const [s, c] of [
      [true, false],
      [false, true],
    ] as const) {
      const r = await roundTrip(s, c)
      expect(r.out).toBeGreaterThan(JSON_4K.length)
      expect(r.in).toBeGreaterThan(JSON_4K.length)
    }
  })

  it('a byte-level 1.6.3 peer against a compression server sees plain frames, byte for byte', async () => {
    const server = await echoServer(true)
    const connected = deferred<ClientInfo>()
    server.onConnect((c) => connected.resolve(c))
    const socket = net.connect(server.port, '127.0.0.1')
    sockets.push(socket)
    const peer = new RawPeer(socket)
    const hello = await peer.next(10)
    // The reference's HELLO_ACK: the version only, no capability block.
    socket.write(encodeFrame({ code: 11, requestId: hello.requestId, payload: encodeHelloPayload('1.6.3') }))
    const info = await connected.promise
    // The server sends a large message: the reference's layout, uncompressed.
    const before = peer.bytes.length
    info.send(new Request(DOC, JSON_4K))
    const f = await peer.next(DOC.code)
    expect(Buffer.from(f.payload).toString()).toBe(JSON_4K)
    const expected = encodeFrame({
      code: DOC.code,
      requestId: f.requestId,
      payload: Buffer.from(JSON_4K),
      timestamp: f.timestamp,
    })
    expect(peer.bytes.subarray(before).equals(expected)).toBe(true)
    // A large plain frame from the peer reaches the route, echoed plain.
    socket.write(encodeFrame({ code: DOC.code, requestId: 77, payload: Buffer.from(JSON_4K) }))
    const echo = await peer.next(DOC.code)
    expect(echo.requestId).toBe(77)
    expect(Buffer.from(echo.payload).toString()).toBe(JSON_4K)
  })

  it('a compression bomb closes that connection with CompressionBombError; the others go on', async () => {
    const max = 64 * 1024
    const server = await echoServer(true, { maxMessageSize: max })
    const gone = deferred<ServerDisconnectInfo>()
    server.onDisconnect((_c, info) => gone.resolve(info))
    const good = fx.client(server, { maxMessageSize: max })
    good.registerPlugin(compression())
    expect(await good.connect()).toBe(true)

    const socket = net.connect(server.port, '127.0.0.1')
    sockets.push(socket)
    const peer = new RawPeer(socket)
    const hello = await peer.next(10)
    expect(decodeHelloPayload(hello.payload).capabilities?.get('vx.z')).toEqual(Uint8Array.of(1))
    const caps = new Map([['vx.z', Uint8Array.of(1)]])
    socket.write(
      encodeFrame({ code: 11, requestId: hello.requestId, payload: encodeHelloPayload('1.6.3', caps) }),
    )
    await waitFor(() => server.stats().clients === 2)
    // 16 MiB of zeros in ~16 KiB: far past maxMessageSize once inflated.
    const z = deflateRawSync(Buffer.alloc(16 * 1024 * 1024))
    expect(z.length + 2).toBeLessThan(max)
    const bomb = Buffer.concat([Buffer.from([0, DOC.code]), z])
    socket.write(encodeFrame({ code: 33, requestId: 5, payload: bomb }))
    const info = await gone.promise
    expect(info.error).toBeInstanceOf(CompressionBombError)
    expect(info.error).toMatchObject({ code: 'VELTIX_ERR_COMPRESSION_BOMB', limit: max })
    await waitFor(() => peer.closed)
    // The well-behaved client is untouched.
    const reply = await good.sendAndWait(new Request(DOC, JSON_4K), { timeout: 5000 })
    expect(reply?.text()).toBe(JSON_4K)
  })

  it('with encryption on: compressed, then sealed', async () => {
    const identity = generateIdentity()
    const server = await echoServer(true, { encryption: 'optional', identity })
    const client = fx.client(server, { encryption: 'required', serverKey: fingerprint(identity.publicKey) })
    client.registerPlugin(compression())
    expect(await client.connect()).toBe(true)
    expect(client.encrypted).toBe(true)
    const before = client.connection!.stats.bytesOut
    const reply = await client.sendAndWait(new Request(DOC, JSON_4K), { timeout: 5000 })
    expect(reply?.text()).toBe(JSON_4K)
    const sent = client.connection!.stats.bytesOut - before
    // One sealed record holding one compressed frame: far below the 4 KiB payload.
    expect(sent * 3).toBeLessThan(JSON_4K.length)
  })
})
