// Property-based fuzzing of both handshakes over real sockets (fast-check, bounded runs): random, truncated,
// mutated and oversized input never raises an uncaught exception (vitest fails the run on one), every bad
// peer is closed, and the server keeps serving a well-behaved client the whole time.
import net from 'node:net'
import { encodeFrame, encodeHelloPayload, HELLO, HELLO_ACK } from '@veltix/codec'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type ClientInfo,
  Events,
  generateIdentity,
  MessageType,
  Request,
  type Response,
  SocketCore,
} from '../../src/index.js'
import { Fixture } from '../helpers.js'

const ECHO = new MessageType(201, 'echo')
const RUNS = 25

/** What a fuzzed peer writes after the HELLO it read (frames carry id 0: `withId` puts the HELLO's in). */
const id = 0
const attack = fc.tuple(
  fc.boolean(),
  fc.oneof(
    fc.uint8Array({ minLength: 0, maxLength: 300 }), // noise
    // a correct HELLO_ACK, truncated
    fc
      .nat({ max: 40 })
      .map((cut) =>
        encodeFrame({ code: HELLO_ACK.code, payload: encodeHelloPayload('1.6.3'), requestId: id }).subarray(
          0,
          cut,
        ),
      ),
    // a HELLO_ACK with a random payload (version text and capability block), valid CRC
    fc
      .uint8Array({ maxLength: 200 })
      .map((payload) => encodeFrame({ code: HELLO_ACK.code, payload, requestId: id })),
    // a correct HELLO_ACK with one byte changed
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
      const f = encodeFrame({
        code: HELLO_ACK.code,
        payload: encodeHelloPayload('1.6.3', new Map([['vx.enc', new Uint8Array(32)]])),
        requestId: id,
      })
      f[at % f.length]! ^= x
      return f
    }),
    // frames of system / handshake codes with random payloads, valid CRC, the HELLO id or another
    fc
      .tuple(fc.integer({ min: 0, max: 40 }), fc.uint8Array({ maxLength: 120 }), fc.boolean())
      .map(([code, payload, same]) => encodeFrame({ code, payload, requestId: same ? id : id ^ 1 })),
    // a header announcing an oversized payload
    fc.integer({ min: 0x0100_0000, max: 0xffff_ffff }).map((size) => {
      const h = Buffer.alloc(22)
      h.writeUInt16BE(HELLO_ACK.code, 0)
      h.writeUInt32BE(size, 2)
      return h
    }),
  ),
)

/** The bytes with the HELLO's id in the first frame's requestId field (when asked and long enough). */
function withId([patch, bytes]: [boolean, Uint8Array], helloId: number): Uint8Array {
  const out = Buffer.from(bytes)
  if (patch && out.length >= 22) out.writeUInt32BE(helloId, 18)
  return out
}

/** Reads the HELLO's id from a fresh raw connection, then writes `bytes` and waits for the close (bounded). */
async function rawPeer(port: number, make: (id: number) => Uint8Array): Promise<void> {
  const s = net.connect(port, '127.0.0.1')
  s.on('error', () => {})
  await new Promise<void>((resolve) => {
    let buf = Buffer.alloc(0)
    let wrote = false
    const done = setTimeout(() => {
      s.destroy()
      resolve()
    }, 400)
    s.on('close', () => {
      clearTimeout(done)
      resolve()
    })
    s.on('data', (d: Buffer) => {
      if (wrote) return
      buf = Buffer.concat([buf, d])
      if (buf.length < 22) return
      wrote = true
      s.write(make(buf.readUInt32BE(18)))
    })
  })
  s.destroy()
}

describe.each([SocketCore.LOOP, SocketCore.WORKER])('handshake fuzzing on the %s core', (core) => {
  const fx = new Fixture(core)
  const servers: net.Server[] = []
  afterEach(async () => {
    await fx.close()
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
  })

  it.each([
    ['plain', {}],
    ['encryption optional', { encryption: 'optional' as const, identity: generateIdentity() }],
  ])(
    'server (%s): fuzzed HELLO_ACKs fail cleanly while a good client is served',
    async (_name, init) => {
      const server = fx.server({ maxWorkers: 1, handshakeTimeout: 300, ...init })
      server.setCallback(Events.ON_RECV, (c: ClientInfo, r: Response) => {
        server.getSender().send(new Request(r.type, r.content, { requestId: r.requestId }), c.conn)
      })
      await server.start()
      const good = fx.client(server, { maxWorkers: 1 })
      expect(await good.connect()).toBe(true)
      await fc.assert(
        fc.asyncProperty(attack, async (a) => {
          await rawPeer(server.port, (helloId) => withId(a, helloId))
          const reply = await good.sendAndWait(new Request(ECHO, 'still here'), { timeout: 3000 })
          expect(reply?.text()).toBe('still here')
        }),
        { numRuns: RUNS },
      )
      // every fuzzed connection is gone; the good one is the only client
      await new Promise((r) => setTimeout(r, 350))
      expect(server.stats().clients).toBe(1)
      expect(server.stats().connections).toBe(1)
      expect(server.stats().acceptedTotal).toBe(RUNS + 1)
    },
    30_000,
  )

  it('client: fuzzed HELLOs make connect() resolve false (or succeed), never throw, and leave nothing open', async () => {
    let make: (() => Uint8Array) | undefined
    const raw = net.createServer((s) => {
      s.on('error', () => {})
      s.write(make!())
      setTimeout(() => s.destroy(), 500).unref()
    })
    servers.push(raw)
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()))
    const port = (raw.address() as net.AddressInfo).port
    const hello = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc
        .uint8Array({ maxLength: 120 })
        .map((payload) => encodeFrame({ code: HELLO.code, payload, requestId: 7 })),
      fc
        .nat({ max: 40 })
        .map((cut) =>
          encodeFrame({ code: HELLO.code, payload: encodeHelloPayload('1.6.3'), requestId: 7 }).subarray(
            0,
            cut,
          ),
        ),
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
        const f = encodeFrame({
          code: HELLO.code,
          payload: encodeHelloPayload('1.6.3', new Map([['vx.enc', new Uint8Array(40)]])),
          requestId: 7,
        })
        f[at % f.length]! ^= x
        return f
      }),
    )
    await fc.assert(
      fc.asyncProperty(hello, async (bytes) => {
        make = () => bytes
        const c = fx.client(port, { maxWorkers: 1, handshakeTimeout: 200, connectTimeout: 1000 })
        const ok = await c.connect()
        expect(typeof ok).toBe('boolean')
        await c.disconnect()
        expect(c.stats().pendingRequests).toBe(0)
      }),
      { numRuns: 12 },
    )
  }, 30_000)
})
