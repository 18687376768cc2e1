import {
  decodeHelloPayload,
  type Frame,
  HELLO,
  HELLO_ACK,
  MessageType,
  MessageTypeRegistry,
  Request,
  type Response,
  writeFrame,
} from '@veltix/codec'
import {
  type Connection,
  createConnectionPair,
  createServerTransport,
  type ServerTransport,
  SocketCore,
} from '@veltix/transport'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AuthenticationError,
  DisconnectReason,
  type DisconnectState,
  EncryptionRequiredError,
  fingerprint,
  generateIdentity,
  MemoryTrustStore,
  Reconnector,
  type ReconnectorSessionInit,
  SecureProtocolError,
  Session,
  type SessionCloseInfo,
  type SessionInit,
  UntrustedKeyError,
} from '../src/index.js'
import type { SecureChannel } from '../src/secure/channel.js'
import { SECURE_CODE } from '../src/secure/constants.js'
import { createClientHandshake } from '../src/secure/handshake.js'
import { until } from './helpers/until.js'

const ECHO = new MessageType(201, 'echo')
const registry = new MessageTypeRegistry()
registry.register(ECHO)
const identity = generateIdentity()
const fp = fingerprint(identity.publicKey)

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

interface Served {
  transport: ServerTransport
  port: number
  sessions: Session[]
  got: Response[]
  closes: SessionCloseInfo[]
}

async function startServer(core: SocketCore, init: Partial<SessionInit> = {}): Promise<Served> {
  const transport = createServerTransport({ host: '127.0.0.1', port: 0, registry, core, maxWorkers: 1 })
  const served: Served = { transport, port: 0, sessions: [], got: [], closes: [] }
  transport.onConnection((connection) => {
    served.sessions.push(
      new Session({
        connection,
        role: 'server',
        registry,
        ...init,
        onMessage: (r, s) => {
          served.got.push(r)
          if (r.type === ECHO) s.send(new Request(ECHO, r.content, { requestId: r.id }))
        },
        onClose: (info) => served.closes.push(info),
      }),
    )
  })
  served.port = (await transport.listen()).port
  cleanup.push(() => transport.close())
  return served
}

function client(port: number, core: SocketCore, session: ReconnectorSessionInit, retry = 0) {
  const states: DisconnectState[] = []
  const c = new Reconnector({
    transport: { host: '127.0.0.1', port, registry, core, maxWorkers: 1 },
    session: { registry, ...session },
    retry,
    retryDelay: 10,
    onDisconnect: (s) => states.push(s),
  })
  cleanup.push(() => c.disconnect())
  return { c, states }
}

for (const core of [SocketCore.LOOP, SocketCore.WORKER]) {
  describe(`encrypted sessions, ${core} core`, () => {
    it('optional on both sides: encrypted; requests, pings, batches and a clean close-notify', async () => {
      const srv = await startServer(core, { encryption: { policy: 'optional', identity } })
      const { c } = client(srv.port, core, { encryption: { policy: 'optional', serverKey: fp } })
      const s = await c.connect()
      expect(s.encrypted).toBe(true)
      expect(fingerprint(s.peerIdentity!)).toBe(fp)
      await until(() => srv.sessions[0]?.handshakeDone === true)
      const server = srv.sessions[0]!
      expect(server.encrypted).toBe(true)
      expect(Buffer.from(server.channelBinding!)).toEqual(Buffer.from(s.channelBinding!))
      // 300 requests sent in one tick travel in a handful of records, and every reply comes back
      const replies = await Promise.all(
        Array.from({ length: 300 }, (_, i) => s.sendAndWait(new Request(ECHO, `m${i}`), { timeout: 10_000 })),
      )
      expect(replies.map((r) => r?.text())).toEqual(Array.from({ length: 300 }, (_, i) => `m${i}`))
      expect(server.connection.stats.framesIn).toBeLessThan(20)
      expect(server.stats.messagesIn).toBeGreaterThanOrEqual(300)
      expect(await s.ping({ timeout: 5000 })).toBeTypeOf('number')
      expect(await server.ping({ timeout: 5000 })).toBeTypeOf('number')
      // a large payload (its own record) round-trips too
      const big = Buffer.alloc(200_000, 7)
      const r = await s.sendAndWait(new Request(ECHO, big), { timeout: 10_000 })
      expect(Buffer.from(r!.content)).toEqual(big)
      expect(s.pendingCount).toBe(0)
      await c.disconnect()
      await until(() => srv.closes.length === 1)
      expect(srv.closes[0]!.reason).toBe('remote-end')
      expect(srv.closes[0]!.error).toBeUndefined() // close-notify seen: no truncation
    })

    it('a plain client meets an optional server: plain 1.6.3', async () => {
      const srv = await startServer(core, { encryption: { policy: 'optional', identity } })
      const { c } = client(srv.port, core, {})
      const s = await c.connect()
      expect(s.encrypted).toBe(false)
      expect((await s.sendAndWait(new Request(ECHO, 'x'), { timeout: 5000 }))?.text()).toBe('x')
    })

    it('a required client meets a plain server: EncryptionRequiredError, not retried', async () => {
      const srv = await startServer(core, {})
      const { c, states } = client(srv.port, core, { encryption: { policy: 'required', serverKey: fp } }, 3)
      await expect(c.connect()).rejects.toBeInstanceOf(EncryptionRequiredError)
      expect(states).toHaveLength(1)
      expect(states[0]!.permanent).toBe(true)
      expect(states[0]!.error).toBeInstanceOf(EncryptionRequiredError)
    })

    it('a plain client meets a required server: EncryptionRequiredError on connect, not retried', async () => {
      const srv = await startServer(core, { encryption: { policy: 'required', identity } })
      const { c, states } = client(srv.port, core, {}, 3)
      const error = await c.connect().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(EncryptionRequiredError)
      expect((error as EncryptionRequiredError).requiredBy).toBe('peer')
      expect(states).toHaveLength(1)
      expect(states[0]!.permanent).toBe(true)
      await until(() => srv.closes.length === 1)
      expect(srv.closes[0]!.handshakeDone).toBe(false)
      expect(srv.got).toHaveLength(0)
    })

    it('a wrong pinned key is refused (UntrustedKeyError), TOFU records then enforces', async () => {
      const srv = await startServer(core, { encryption: { policy: 'optional', identity } })
      const other = fingerprint(generateIdentity().publicKey)
      const { c } = client(srv.port, core, { encryption: { policy: 'optional', serverKey: other } })
      await expect(c.connect()).rejects.toBeInstanceOf(UntrustedKeyError)
      const store = new MemoryTrustStore()
      const host = `127.0.0.1:${srv.port}`
      const t = client(srv.port, core, { encryption: { policy: 'optional', trustStore: store, host } })
      expect((await t.c.connect()).encrypted).toBe(true)
      expect(store.get(host)).toBe(fp)
      store.set(host, other)
      const u = client(srv.port, core, { encryption: { policy: 'optional', trustStore: store, host } })
      await expect(u.c.connect()).rejects.toBeInstanceOf(UntrustedKeyError)
    })

    it('authenticate sees the token (encrypted) and accepts; a refusal is AuthenticationError, never retried', async () => {
      const seen: { token: string; encrypted: boolean }[] = []
      const srv = await startServer(core, {
        encryption: { policy: 'optional', identity },
        authenticate: async (info) => {
          const token = Buffer.from(info.token ?? []).toString()
          seen.push({ token, encrypted: info.encrypted })
          return token === 'letmein'
        },
      })
      const ok = client(srv.port, core, {
        encryption: { policy: 'optional', serverKey: fp },
        token: 'letmein',
      })
      const s = await ok.c.connect()
      expect((await s.sendAndWait(new Request(ECHO, 'in'), { timeout: 5000 }))?.text()).toBe('in')
      const bad = client(
        srv.port,
        core,
        { encryption: { policy: 'optional', serverKey: fp }, token: 'nope' },
        3,
      )
      await expect(bad.c.connect()).rejects.toBeInstanceOf(AuthenticationError)
      expect(bad.states).toHaveLength(1)
      expect(bad.states[0]!.reason).toBe(DisconnectReason.AUTH_REFUSED)
      expect(bad.states[0]!.permanent).toBe(true)
      expect(seen).toEqual([
        { token: 'letmein', encrypted: true },
        { token: 'nope', encrypted: true },
      ])
      await until(() => srv.closes.some((x) => x.reason === 'auth-refused'))
      expect(srv.closes.find((x) => x.reason === 'auth-refused')!.error).toBeInstanceOf(AuthenticationError)
      expect(srv.got.map((r) => r.text())).toEqual(['in']) // only the accepted client's message
    })

    it('authentication works on a plain session too', async () => {
      const srv = await startServer(core, { authenticate: (info) => info.token !== undefined })
      const { c } = client(srv.port, core, { token: 't' })
      const s = await c.connect()
      expect(s.encrypted).toBe(false)
      expect((await s.sendAndWait(new Request(ECHO, 'p'), { timeout: 5000 }))?.text()).toBe('p')
    })
  })
}

/** Drives the client side of a connection by hand: handshake objects and raw records. */
function manualClient(conn: Connection): Promise<{ channel: SecureChannel; frames: Frame[] }> {
  const hs = createClientHandshake({ policy: 'required', allowUnverified: true })
  const frames: Frame[] = []
  return new Promise((resolve, reject) => {
    let channel: SecureChannel | undefined
    conn.setHandler({
      frame: (f) => {
        if (f.code === HELLO.code) {
          const r = hs.receiveHello(f.payload, decodeHelloPayload(f.payload).version)
          conn.send(HELLO_ACK.code, f.requestId, r.ack)
        } else if (f.code === SECURE_CODE && channel === undefined) {
          channel = hs.receiveFinished(f.payload).channel
          resolve({ channel, frames })
        } else frames.push(f)
      },
      close: () => reject(new Error('closed')),
    })
  })
}

describe('encrypted session, hand-made records', () => {
  function serverPair(extra: Partial<SessionInit> = {}) {
    const [a, b] = createConnectionPair()
    const closes: SessionCloseInfo[] = []
    const got: Response[] = []
    const s = new Session({
      connection: a,
      role: 'server',
      registry,
      encryption: { policy: 'required', identity },
      onMessage: (r) => got.push(r),
      onClose: (i) => closes.push(i),
      ...extra,
    })
    cleanup.push(() => s.destroy())
    return { s, b, closes, got }
  }

  it('a record holding several whole frames delivers them all, in order', async () => {
    const { b, got } = serverPair()
    const { channel } = await manualClient(b)
    const buf = Buffer.alloc(3 * (22 + 1))
    let o = 0
    for (const t of ['a', 'b', 'c']) o = writeFrame(buf, o, ECHO.code, 1, Buffer.from(t), 0)
    b.send(SECURE_CODE, 0, channel.sealFrames(buf), 0)
    await until(() => got.length === 3)
    expect(got.map((r) => r.text())).toEqual(['a', 'b', 'c'])
  })

  it('an inner frame with a bad CRC closes with SecureProtocolError after the frames before it', async () => {
    const { b, closes, got } = serverPair()
    const { channel } = await manualClient(b)
    const buf = Buffer.alloc(3 * 23)
    let o = 0
    for (const t of ['a', 'b', 'c']) o = writeFrame(buf, o, ECHO.code, 1, Buffer.from(t), 0)
    buf[23 + 22]! ^= 1 // the second frame's payload: its CRC no longer matches
    b.send(SECURE_CODE, 0, channel.sealFrames(buf), 0)
    await until(() => closes.length === 1)
    expect(closes[0]!.error).toBeInstanceOf(SecureProtocolError)
    expect(closes[0]!.error?.message).toMatch(/inner frame/)
    expect(closes[0]!.reason).toBe('protocol-error')
    expect(got.map((r) => r.text())).toEqual(['a'])
  })

  it('dropUnknownTypes drops and counts inner frames of undeclared codes; the others still arrive', async () => {
    const { s, b, closes, got } = serverPair({ dropUnknownTypes: true })
    const { channel } = await manualClient(b)
    const buf = Buffer.alloc(3 * 23)
    let o = writeFrame(buf, 0, ECHO.code, 1, Buffer.from('a'), 0)
    o = writeFrame(buf, o, 450, 2, Buffer.from('?'), 0)
    writeFrame(buf, o, ECHO.code, 3, Buffer.from('c'), 0)
    b.send(SECURE_CODE, 0, channel.sealFrames(buf), 0)
    await until(() => got.length === 2)
    expect(got.map((r) => r.text())).toEqual(['a', 'c'])
    expect(s.stats.droppedFrames.unknownType).toBe(1)
    expect(closes).toHaveLength(0)
  })

  it('a record that does not end on a frame boundary closes with SecureProtocolError', async () => {
    const { b, closes, got } = serverPair()
    const { channel } = await manualClient(b)
    const buf = Buffer.alloc(2 * 23)
    writeFrame(buf, writeFrame(buf, 0, ECHO.code, 1, Buffer.from('a'), 0), ECHO.code, 2, Buffer.from('b'), 0)
    b.send(SECURE_CODE, 0, channel.sealFrames(buf.subarray(0, 40)), 0)
    await until(() => closes.length === 1)
    expect(closes[0]!.error).toBeInstanceOf(SecureProtocolError)
    expect(closes[0]!.reason).toBe('protocol-error')
    expect(got).toHaveLength(0) // not even the whole frame before the cut
  })

  it('a plaintext frame once the channel is up closes with SecureProtocolError', async () => {
    const { b, closes, got } = serverPair()
    await manualClient(b)
    b.send(ECHO.code, 1, Buffer.from('clear'))
    await until(() => closes.length === 1)
    expect(closes[0]!.error).toBeInstanceOf(SecureProtocolError)
    expect(got).toHaveLength(0)
  })

  it('an outer SECURE frame with a non-zero id or timestamp closes', async () => {
    const { b, closes } = serverPair()
    const { channel } = await manualClient(b)
    b.send(SECURE_CODE, 5, channel.seal(ECHO.code, 1, 0, Buffer.from('x')), 0)
    await until(() => closes.length === 1)
    expect(closes[0]!.error).toBeInstanceOf(SecureProtocolError)
  })

  it('the end of the stream without a close-notify is reported as a truncation', async () => {
    const { b, closes } = serverPair()
    await manualClient(b)
    await b.close()
    await until(() => closes.length === 1)
    expect(closes[0]!.error?.name).toBe('TruncatedStreamError')
  })
})
