import {
  encodeFrame,
  encodeHelloPayload,
  HELLO_ACK,
  MessageType,
  MessageTypeRegistry,
  type Response,
} from '@veltix/codec'
import { createServerTransport, type ServerTransport } from '@veltix/transport'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type HandshakeMode,
  Reconnector,
  Session,
  type SessionCloseInfo,
  VersionMismatchError,
} from '../src/index.js'
import { goldenBytes, goldenWithId, RawPeer, rawServer } from './helpers/raw-peer.js'
import { until } from './helpers/until.js'

// Byte-level peers written by hand (plain `net`, golden frames from the Python reference) prove that our
// server and client speak the reference's handshake exactly.

const CHAT = new MessageType(200, 'chat')
const registry = new MessageTypeRegistry()
registry.register(CHAT)

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

interface Served {
  port: number
  sessions: Session[]
  got: Response[]
  closes: SessionCloseInfo[]
}

async function ourServer(mode: HandshakeMode = 'strict', handshakeTimeout = 5000): Promise<Served> {
  const transport: ServerTransport = createServerTransport({ host: '127.0.0.1', port: 0, registry })
  const served: Served = { port: 0, sessions: [], got: [], closes: [] }
  transport.onConnection((connection) => {
    served.sessions.push(
      new Session({
        connection,
        role: 'server',
        registry,
        handshakeMode: mode,
        handshakeTimeout,
        onMessage: (r) => served.got.push(r),
        onClose: (i) => served.closes.push(i),
      }),
    )
  })
  served.port = (await transport.listen()).port
  cleanup.push(() => transport.close())
  return served
}

async function rawClient(port: number): Promise<RawPeer> {
  const p = await RawPeer.connect(port)
  cleanup.push(() => p.destroy())
  return p
}

describe('our server, reference client (raw bytes)', () => {
  it('sends HELLO 00 05 "1.6.3"; a golden HELLO_ACK with that id completes it; PING gets the golden PONG', async () => {
    const srv = await ourServer()
    const peer = await rawClient(srv.port)
    const hello = await peer.frame(0)
    expect(hello.code).toBe(10)
    expect(Buffer.from(hello.payload).toString('hex')).toBe('0005312e362e33')
    // the HELLO bytes equal the reference's except the timestamp and the (fresh) id
    const helloRaw = Buffer.from(peer.raw[0]!)
    const ref = goldenBytes('hello')
    expect(helloRaw.subarray(0, 10)).toEqual(ref.subarray(0, 10))
    expect(helloRaw.subarray(22)).toEqual(ref.subarray(22))

    peer.write(goldenWithId('hello-ack', hello.requestId))
    await until(() => srv.sessions[0]?.handshakeDone === true)
    peer.write(goldenBytes('chat-hi'))
    await until(() => srv.got.length === 1)
    expect(srv.got[0]!.text()).toBe('hi')
    expect(srv.got[0]!.id).toBe(0x01020304)

    peer.write(goldenBytes('ping'))
    const pong = await peer.frame(1)
    expect(peer.raw[1]!.subarray(0, 10)).toEqual(goldenBytes('pong').subarray(0, 10))
    expect(peer.raw[1]!.subarray(18)).toEqual(goldenBytes('pong').subarray(18))
    expect(pong.requestId).toBe(0x0badf00d)
    expect(srv.got).toHaveLength(1)
  })

  for (const mode of ['lenient', 'strict'] as const) {
    it(`a reference-style client whose HELLO_ACK has only the id right: ${mode} ${mode === 'lenient' ? 'accepts' : 'refuses'}`, async () => {
      const srv = await ourServer(mode)
      const peer = await rawClient(srv.port)
      const hello = await peer.frame(0)
      // right id, wrong version text
      peer.write(
        encodeFrame({
          code: HELLO_ACK.code,
          requestId: hello.requestId,
          payload: encodeHelloPayload('0.0.1'),
        }),
      )
      if (mode === 'lenient') {
        await until(() => srv.sessions[0]?.handshakeDone === true)
        peer.write(goldenBytes('chat-hi'))
        await until(() => srv.got.length === 1)
      } else {
        await peer.closedPromise
        expect(srv.closes[0]).toMatchObject({ reason: 'version-mismatch', handshakeDone: false })
        expect(srv.got).toHaveLength(0)
      }
    })
  }

  it('a HELLO_ACK carrying another connection’s id is refused (strict); the other connection is unaffected', async () => {
    const srv = await ourServer()
    const p1 = await rawClient(srv.port)
    const p2 = await rawClient(srv.port)
    const h1 = await p1.frame(0)
    const h2 = await p2.frame(0)
    expect(h1.requestId).not.toBe(h2.requestId)
    p1.write(goldenWithId('hello-ack', h2.requestId))
    await p1.closedPromise
    p2.write(goldenWithId('hello-ack', h2.requestId))
    await until(() => srv.sessions.filter((s) => s.handshakeDone).length === 1)
    expect(p2.closed).toBe(false)
    expect(srv.closes.map((c) => c.reason)).toEqual(['handshake-failed'])
  })

  it('a client that never sends HELLO_ACK is closed after handshakeTimeout', async () => {
    const srv = await ourServer('strict', 100)
    const peer = await rawClient(srv.port)
    await peer.frame(0)
    await peer.closedPromise
    expect(srv.closes[0]).toMatchObject({ reason: 'handshake-timeout', handshakeDone: false })
  })

  it('frames sent before HELLO_ACK reach the app only after the handshake, in order', async () => {
    const srv = await ourServer()
    const peer = await rawClient(srv.port)
    const hello = await peer.frame(0)
    peer.write(Buffer.concat([goldenBytes('chat-hi'), goldenBytes('chat-empty')]))
    await new Promise((r) => setTimeout(r, 50))
    expect(srv.got).toHaveLength(0)
    peer.write(goldenWithId('hello-ack', hello.requestId))
    await until(() => srv.got.length === 2)
    expect(srv.got.map((r) => r.id)).toEqual([0x01020304, 1])
  })
})

describe('our client, reference server (raw bytes)', () => {
  it('answers the golden HELLO with the golden HELLO_ACK (same id, exact bytes but the timestamp); connect resolves after', async () => {
    const raw = await rawServer((p) => p.write(goldenBytes('hello')))
    cleanup.push(() => raw.close())
    const client = new Reconnector({
      transport: { host: '127.0.0.1', port: raw.port, registry },
      session: { registry },
    })
    cleanup.push(() => client.disconnect())
    const session = await client.connect()
    expect(session.peerVersion).toBe('1.6.3')
    const ack = await raw.peers[0]!.frame(0)
    const bytes = raw.peers[0]!.raw[0]!
    const ref = goldenBytes('hello-ack')
    expect(ack.requestId).toBe(0xa1b2c3d4)
    expect(bytes.subarray(0, 10)).toEqual(ref.subarray(0, 10))
    expect(bytes.subarray(18)).toEqual(ref.subarray(18))
    // and a reference reply to a request completes sendAndWait
    const p = client.sendAndWait(
      new (await import('@veltix/codec')).Request(CHAT, 'hi', { requestId: 0x01020304 }),
    )
    await raw.peers[0]!.frame(1)
    raw.peers[0]!.write(goldenBytes('chat-hi'))
    const res = await p
    expect(res?.text()).toBe('hi')
    expect(res?.latency).toBeGreaterThan(0)
    expect(session.pendingCount).toBe(0)
  })

  it('closes at once with VersionMismatchError on a HELLO with another version', async () => {
    const raw = await rawServer((p) =>
      p.write(encodeFrame({ code: 10, requestId: 5, payload: encodeHelloPayload('1.6.4') })),
    )
    cleanup.push(() => raw.close())
    const client = new Reconnector({
      transport: { host: '127.0.0.1', port: raw.port, registry },
      session: { registry, handshakeTimeout: 60_000 },
      retry: 3,
    })
    cleanup.push(() => client.disconnect())
    await expect(client.connect()).rejects.toBeInstanceOf(VersionMismatchError)
    await raw.peers[0]!.closedPromise // closed by us, long before any timeout
    expect(raw.peers[0]!.frames).toHaveLength(0)
    expect(raw.peers).toHaveLength(1) // never retried
  })
})
