import {
  decodeHelloPayload,
  encodeHelloPayload,
  HELLO,
  HELLO_ACK,
  MessageType,
  MessageTypeRegistry,
  type Response,
} from '@veltix/codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  HandshakeError,
  HandshakeTimeoutError,
  PreHandshakeOverflowError,
  Session,
  type SessionCloseInfo,
  type SessionInit,
  VersionMismatchError,
} from '../src/index.js'
import { createTappedPair, type TappedConnection, ticks } from './helpers/tapped-pair.js'

const CHAT = new MessageType(200, 'chat')
const registry = new MessageTypeRegistry()
registry.register(CHAT)

const sessions: Session[] = []
afterEach(() => {
  for (const s of sessions.splice(0)) s.destroy()
})

function session(init: Omit<SessionInit, 'registry'> & { registry?: MessageTypeRegistry }): Session {
  const s = new Session({ registry, ...init })
  sessions.push(s)
  return s
}

const text = (s: string) => new TextEncoder().encode(s)

describe('handshake', () => {
  it('server sends HELLO 00 05 "1.6.3" with a fresh id; the client answers HELLO_ACK with the same id', async () => {
    const [a, b] = createTappedPair()
    const server = session({ connection: a, role: 'server' })
    const client = session({ connection: b, role: 'client' })
    await Promise.all([server.ready, client.ready])
    const hello = a.sent[0]!
    expect(hello.code).toBe(HELLO.code)
    expect(Buffer.from(hello.payload).toString('hex')).toBe('0005312e362e33')
    const ack = b.sent[0]!
    expect(ack.code).toBe(HELLO_ACK.code)
    expect(ack.requestId).toBe(hello.requestId)
    expect(Buffer.from(ack.payload).toString('hex')).toBe('0005312e362e33')
    expect(server.handshakeDone && client.handshakeDone).toBe(true)
    expect(server.peerVersion).toBe('1.6.3')
    expect(client.peerVersion).toBe('1.6.3')
  })

  it('HELLO ids differ between connections', async () => {
    const ids = new Set<number>()
    for (let i = 0; i < 20; i++) {
      const [a] = createTappedPair()
      session({ connection: a, role: 'server' })
      ids.add(a.sent[0]!.requestId)
    }
    expect(ids.size).toBe(20)
  })

  it('client closes at once with VersionMismatchError on another version', async () => {
    const [a, b] = createTappedPair()
    const closes: SessionCloseInfo[] = []
    const client = session({ connection: b, role: 'client', onClose: (i) => closes.push(i) })
    a.send(HELLO.code, 7, encodeHelloPayload('1.6.4'))
    await expect(client.ready).rejects.toBeInstanceOf(VersionMismatchError)
    expect(b.closed).toBe(true)
    expect(b.sent).toHaveLength(0) // no HELLO_ACK
    expect(closes).toEqual([expect.objectContaining({ reason: 'version-mismatch', handshakeDone: false })])
  })

  it.each(['1.6', '1.6.3.0', 'v1.6.3', ''])('client refuses the unparsable version %j', async (v) => {
    const [a, b] = createTappedPair()
    const client = session({ connection: b, role: 'client' })
    a.send(HELLO.code, 7, encodeHelloPayload(v))
    await expect(client.ready).rejects.toBeInstanceOf(VersionMismatchError)
  })

  it('client fails with HandshakeError on a malformed HELLO', async () => {
    const [a, b] = createTappedPair()
    const client = session({ connection: b, role: 'client' })
    a.send(HELLO.code, 7, new Uint8Array([0, 9, 1]))
    const err = await client.ready.catch((e) => e)
    expect(err).toBeInstanceOf(HandshakeError)
    expect(client.closeInfo?.reason).toBe('handshake-failed')
  })

  it('announced version is configurable and separate from the package version', async () => {
    const [a, b] = createTappedPair()
    const server = session({ connection: a, role: 'server', protocolVersion: '2.0.0' })
    const client = session({ connection: b, role: 'client', protocolVersion: '2.0.0' })
    await Promise.all([server.ready, client.ready])
    expect(decodeHelloPayload(a.sent[0]!.payload).version).toBe('2.0.0')
  })

  describe('server, strict (default)', () => {
    it('refuses a HELLO_ACK with another version', async () => {
      const [a, b] = createTappedPair()
      const server = session({ connection: a, role: 'server' })
      await ticks()
      const hello = b.handler === undefined ? a.sent[0]! : a.sent[0]!
      b.send(HELLO_ACK.code, hello.requestId, encodeHelloPayload('1.5.0'))
      await expect(server.ready).rejects.toBeInstanceOf(VersionMismatchError)
      expect(server.closeInfo?.reason).toBe('version-mismatch')
      expect(a.closed).toBe(true)
    })

    it('refuses a non-HELLO_ACK frame carrying the HELLO id (reference-style completion)', async () => {
      const [a, b] = createTappedPair()
      const server = session({ connection: a, role: 'server' })
      b.send(CHAT.code, a.sent[0]!.requestId, text('x'))
      await expect(server.ready).rejects.toBeInstanceOf(HandshakeError)
    })

    it('refuses a HELLO_ACK carrying another connection’s HELLO id; the other connection is unaffected', async () => {
      const [a1, b1] = createTappedPair()
      const [a2, b2] = createTappedPair()
      const s1 = session({ connection: a1, role: 'server' })
      const s2 = session({ connection: a2, role: 'server' })
      const otherId = a2.sent[0]!.requestId
      b1.send(HELLO_ACK.code, otherId, encodeHelloPayload('1.6.3'))
      const err = await s1.ready.catch((e) => e)
      expect(err).toBeInstanceOf(HandshakeError)
      expect(err.message).toMatch(/expected/)
      expect(s2.handshakeDone).toBe(false)
      expect(s2.closed).toBe(false)
      b2.send(HELLO_ACK.code, otherId, encodeHelloPayload('1.6.3'))
      await s2.ready
      expect(s2.handshakeDone).toBe(true)
    })

    it('closes a connection that never answers after handshakeTimeout', async () => {
      const [a] = createTappedPair()
      const closes: SessionCloseInfo[] = []
      const server = session({
        connection: a,
        role: 'server',
        handshakeTimeout: 30,
        onClose: (i) => closes.push(i),
      })
      await expect(server.ready).rejects.toBeInstanceOf(HandshakeTimeoutError)
      expect(a.closed).toBe(true)
      expect(closes).toHaveLength(1)
      expect(closes[0]!.reason).toBe('handshake-timeout')
    })
  })

  describe('server, lenient', () => {
    it('accepts a reference client whose HELLO_ACK has only the id right', async () => {
      const [a, b] = createTappedPair()
      const server = session({ connection: a, role: 'server', handshakeMode: 'lenient' })
      b.send(HELLO_ACK.code, a.sent[0]!.requestId, encodeHelloPayload('9.9.9'))
      await server.ready
      expect(server.peerVersion).toBe('9.9.9')
    })

    it('completes on any frame with the HELLO id and consumes it', async () => {
      const [a, b] = createTappedPair()
      const got: Response[] = []
      const server = session({
        connection: a,
        role: 'server',
        handshakeMode: 'lenient',
        onMessage: (r) => got.push(r),
      })
      b.send(CHAT.code, a.sent[0]!.requestId, new Uint8Array([1, 2]))
      await server.ready
      await ticks()
      expect(got).toHaveLength(0)
    })

    it('drops (and reports) a HELLO_ACK with a foreign id, still waiting for its own', async () => {
      const [a, b] = createTappedPair()
      const errors: Error[] = []
      const server = session({
        connection: a,
        role: 'server',
        handshakeMode: 'lenient',
        onError: (e) => errors.push(e),
      })
      b.send(HELLO_ACK.code, (a.sent[0]!.requestId + 1) >>> 0, encodeHelloPayload('1.6.3'))
      await ticks()
      expect(server.handshakeDone).toBe(false)
      expect(server.closed).toBe(false)
      expect(errors[0]).toBeInstanceOf(HandshakeError)
      b.send(HELLO_ACK.code, a.sent[0]!.requestId, encodeHelloPayload('1.6.3'))
      await server.ready
    })
  })

  describe('frames before the handshake', () => {
    it('are held and delivered in order after onReady, never before', async () => {
      const [a, b] = createTappedPair()
      const events: string[] = []
      const server = session({
        connection: a,
        role: 'server',
        onReady: () => events.push('ready'),
        onMessage: (r) => events.push(r.text()),
      })
      b.send(CHAT.code, 1, text('one'))
      b.send(CHAT.code, 2, text('two'))
      await ticks()
      expect(events).toEqual([])
      b.send(HELLO_ACK.code, a.sent[0]!.requestId, encodeHelloPayload('1.6.3'))
      b.send(CHAT.code, 3, text('three'))
      await server.ready
      await ticks()
      expect(events).toEqual(['ready', 'one', 'two', 'three'])
    })

    it('past the bound, the session fails with PreHandshakeOverflowError', async () => {
      const [a, b] = createTappedPair()
      const got: Response[] = []
      const server = session({
        connection: a,
        role: 'server',
        maxEarlyFrames: 3,
        onMessage: (r) => got.push(r),
      })
      for (let i = 0; i < 4; i++) b.send(CHAT.code, i, text('x'))
      await expect(server.ready).rejects.toBeInstanceOf(PreHandshakeOverflowError)
      expect(server.closeInfo?.reason).toBe('handshake-failed')
      expect(got).toHaveLength(0)
    })

    it('byte bound too', async () => {
      const [a, b] = createTappedPair()
      const server = session({ connection: a, role: 'server', maxEarlyBytes: 10 })
      b.send(CHAT.code, 1, new Uint8Array(8))
      b.send(CHAT.code, 2, new Uint8Array(8))
      await expect(server.ready).rejects.toBeInstanceOf(PreHandshakeOverflowError)
    })
  })

  describe('capabilities', () => {
    const caps = (...keys: string[]) => new Map(keys.map((k) => [k, new Uint8Array([1])]))

    it('are shared only when both sides announce them', async () => {
      const [a, b] = createTappedPair()
      const server = session({ connection: a, role: 'server', capabilities: caps('zstd', 'hb') })
      const client = session({ connection: b, role: 'client', capabilities: caps('hb', 'tls') })
      await Promise.all([server.ready, client.ready])
      expect([...server.sharedCapabilities]).toEqual(['hb'])
      expect([...client.sharedCapabilities]).toEqual(['hb'])
      expect([...server.peerCapabilities.keys()]).toEqual(['hb', 'tls'])
    })

    it('a client sends no block to a server that announced none (reference bytes)', async () => {
      const [a, b] = createTappedPair()
      const server = session({ connection: a, role: 'server' })
      const client = session({ connection: b, role: 'client', capabilities: caps('hb') })
      await Promise.all([server.ready, client.ready])
      expect(Buffer.from(b.sent[0]!.payload).toString('hex')).toBe('0005312e362e33')
      expect(client.sharedCapabilities.size).toBe(0)
    })
  })

  it('a connection closed before the handshake rejects ready with ConnectionClosedError', async () => {
    const [a, b] = createTappedPair()
    a.closeWithoutError = true // the pair's reset carries an Error; this is the case without one
    const server = session({ connection: a, role: 'server' })
    ;(b as TappedConnection).destroy()
    const err = await server.ready.catch((e) => e)
    expect(err.name).toBe('ConnectionClosedError')
    expect(server.closeInfo).toMatchObject({ reason: 'reset', handshakeDone: false })
  })
})
