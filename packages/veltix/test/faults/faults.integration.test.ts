// The stack under injected faults (no resume): through a fault-injecting proxy, on both socket cores.
// What is proven: 1-byte writes and delays deliver everything in order; a flipped payload bit is never
// delivered (CRC) and each one is counted; with encryption on a bit flipped anywhere is caught (AEAD); without
// it, a header flip is caught for the code (unknown type), size (over the limit: connection closed) and CRC
// fields, and NOT for the timestamp and request id (the 1.6.3 CRC covers the payload only: delivered as is);
// a stalled link is detected by the heartbeat within interval + timeout; a cut mid-frame loses only the cut
// frame, and every loss is counted: sent = delivered + droppedFrames.truncated, each way. With resume on,
// a payload flip cuts the link and the replay resends the frame: exactly once, in order.
import { afterEach, describe, expect, it } from 'vitest'
import {
  type ClientInfo,
  type DisconnectState,
  Events,
  fingerprint,
  generateIdentity,
  MessageType,
  Request,
  type Response,
  SocketCore,
} from '../../src/index.js'
import { FaultProxy } from '../helpers/fault-proxy.js'
import { Fixture, waitFor } from '../helpers.js'

const NUM = new MessageType(200, 'num')
const N = 120

/** A numbered message whose content proves it intact: "<n>:<n repeated>" (a flip anywhere shows). */
const body = (n: number): string => `${n}:${String(n).repeat(8)}`
function parse(text: string): number {
  const [head, tail] = text.split(':')
  const n = Number(head)
  if (!Number.isInteger(n) || tail !== String(n).repeat(8)) throw new Error(`corrupted delivery: ${text}`)
  return n
}

describe.each([SocketCore.LOOP, SocketCore.WORKER])('faults on the %s core', (core) => {
  const fx = new Fixture(core)
  const proxies: FaultProxy[] = []
  afterEach(async () => {
    await fx.close()
    for (const p of proxies.splice(0)) await p.close()
  })

  async function rig(serverInit = {}, clientInit = {}) {
    const server = fx.server({ maxWorkers: 1, ...serverInit })
    const atServer: number[] = []
    let serverClient: ClientInfo | undefined
    let serverConnects = 0
    server.setCallback(Events.ON_CONNECT, (c: ClientInfo) => {
      serverClient = c
      serverConnects++
    })
    server.setCallback(Events.ON_RECV, (_c: ClientInfo, r: Response) => {
      atServer.push(parse(r.text()))
      received.push(r)
    })
    await server.start()
    const proxy = new FaultProxy(server.port)
    proxies.push(proxy)
    await proxy.listen()
    const client = fx.client(proxy.port, { maxWorkers: 1, ...clientInit })
    const atClient: number[] = []
    const received: Response[] = []
    const states: DisconnectState[] = []
    client.setCallback(Events.ON_RECV, (r: Response) => {
      atClient.push(parse(r.text()))
    })
    client.setCallback(Events.ON_DISCONNECT, (s: DisconnectState) => {
      states.push(s)
    })
    expect(await client.connect()).toBe(true)
    await waitFor(() => serverClient !== undefined, 5000, 'server ON_CONNECT')
    const toClient = (n: number): boolean =>
      server.getSender().send(new Request(NUM, body(n)), serverClient!.conn)
    return {
      server,
      client,
      proxy,
      atServer,
      atClient,
      received,
      states,
      toClient,
      info: () => serverClient!,
      serverConnects: () => serverConnects,
    }
  }

  const seq = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

  it('split into 1-byte writes, both ways: everything arrives, in order', async () => {
    const { client, proxy, atServer, atClient, toClient } = await rig()
    proxy.set('both', { split: true })
    for (let i = 0; i < N; i++) {
      expect(client.send(new Request(NUM, body(i)))).toBe(true)
      expect(toClient(i)).toBe(true)
    }
    await waitFor(() => atServer.length === N && atClient.length === N, 20_000, 'all messages')
    expect(atServer).toEqual(seq(N))
    expect(atClient).toEqual(seq(N))
    expect(Object.values(client.stats().droppedFrames).every((v) => v === 0)).toBe(true)
    expect(proxy.framesSeen.up).toBeGreaterThanOrEqual(N)
  })

  it('delayed links deliver everything in order, and sendAndWait still resolves', async () => {
    const { server, client, proxy, atServer } = await rig()
    server.setCallback(Events.ON_RECV, (c: ClientInfo, r: Response) => {
      atServer.push(parse(r.text()))
      server.getSender().send(new Request(NUM, r.content, { requestId: r.requestId }), c.conn)
    })
    proxy.set('both', { delayMs: 15 })
    for (let i = 0; i < 40; i++) client.send(new Request(NUM, body(i)))
    const reply = await client.sendAndWait(new Request(NUM, body(40)), { timeout: 10_000 })
    expect(parse(reply!.text())).toBe(40)
    expect(atServer).toEqual(seq(41))
  })

  it('payload bit flips are never delivered, and each is counted as a checksum drop (both ways)', async () => {
    const { server, client, proxy, atServer, atClient, toClient, info } = await rig()
    proxy.set('both', { flip: { every: 7, region: 'payload' } })
    for (let i = 0; i < N; i++) {
      client.send(new Request(NUM, body(i)))
      toClient(i)
    }
    const up = (): number => proxy.flips.up.length
    const down = (): number => proxy.flips.down.length
    await waitFor(
      () => atServer.length + up() === N && atClient.length + down() === N,
      10_000,
      'delivered + flipped = sent',
    )
    expect(up()).toBe(Math.floor(N / 7))
    expect(down()).toBe(Math.floor(N / 7))
    // every delivered message parsed intact (parse throws otherwise), in order, none twice
    expect(atServer).toEqual(seq(N).filter((i) => (i + 1) % 7 !== 0))
    expect(atClient).toEqual(seq(N).filter((i) => (i + 1) % 7 !== 0))
    expect(info().stats().droppedFrames.checksum).toBe(up())
    expect(client.stats().droppedFrames.checksum).toBe(down())
    expect(server.stats().droppedFrames.checksum).toBe(up())
  })

  it('with resume on, payload bit flips are replayed: every message exactly once and in order (both ways)', async () => {
    const { client, proxy, atServer, atClient, info } = await rig(
      { resume: { windowMs: 10_000, maxBufferedBytes: 1 << 20 } },
      { resume: true, retry: -1, retryDelay: 10 },
    )
    proxy.set('both', { flip: { every: 9, region: 'payload', max: 5 } })
    for (let i = 0; i < N; i++) {
      expect(client.send(new Request(NUM, body(i)))).toBe(true)
      expect(info().send(new Request(NUM, body(i)))).toBe(true)
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5))
    }
    await waitFor(() => atServer.length >= N && atClient.length >= N, 20_000, 'every message, replayed')
    await new Promise((r) => setTimeout(r, 100)) // nothing more (no duplicate) arrives
    expect(proxy.flips.up.length + proxy.flips.down.length).toBeGreaterThan(0)
    expect(atServer).toEqual(seq(N))
    expect(atClient).toEqual(seq(N))
    // each flip was caught (counted) and cut the link, which resumed
    expect(client.stats().reconnects).toBeGreaterThan(0)
  })

  it('with encryption on, a bit flipped anywhere in a frame is caught (AEAD), never delivered, and the link is dropped', async () => {
    const identity = generateIdentity()
    const { client, proxy, atServer, states } = await rig(
      { encryption: 'required', identity },
      { encryption: 'required', serverKey: fingerprint(identity.publicKey), retry: 5, retryDelay: 20 },
    )
    let reconnected = 0
    client.setCallback(Events.ON_CONNECT, () => {
      reconnected++
    })
    for (let round = 0; round < 3; round++) {
      proxy.set('up', { flip: { every: 1, region: 'any', codes: () => true, max: 1 } })
      const before = states.length
      for (let i = 0; i < 5; i++) client.send(new Request(NUM, body(round * 100 + i)))
      await waitFor(() => states.length > before, 10_000, 'the drop after a flip')
      await waitFor(() => reconnected > round, 10_000, 'reconnected')
    }
    expect(proxy.flips.up).toHaveLength(3)
    // nothing corrupted was delivered (parse would have thrown); each flip ended its connection
    expect(states.filter((s) => !s.permanent)).toHaveLength(3)
    expect(client.stats().reconnects).toBe(3)
    for (const n of atServer) expect(n % 100).toBeLessThan(5)
  })

  it('a stalled link (blackhole) is detected by the heartbeat within interval + timeout', async () => {
    const interval = 300
    const timeout = 300
    const { client, proxy, states } = await rig({}, { heartbeat: { interval, timeout } })
    await new Promise((r) => setTimeout(r, interval + 50)) // a heartbeat round trip went through
    expect(states).toHaveLength(0)
    proxy.set('both', { stall: true })
    const t0 = performance.now()
    await waitFor(() => states.length > 0, 5000, 'the heartbeat to notice')
    const took = performance.now() - t0
    // a bound with slack for a loaded machine: the check is that detection happens at all, and on time
    expect(took).toBeLessThan(interval + timeout + 400)
    expect(client.stats().connected).toBe(false)
    expect(proxy.swallowed.up + proxy.swallowed.down).toBeGreaterThan(0)
  })

  // One bit of each header field (client → server, the first of 10 messages), no encryption.
  const HEADER_FLIPS = [
    // 200 → 456: by default delivered as code 456 (unknownMessageTypes: 'deliver', as the reference) ...
    { field: 'code', byte: 0, bit: 0, caught: undefined, drop: false },
    // ... dropped and counted when the server declares its types and drops the rest
    { field: 'code', byte: 0, bit: 0, caught: 'unknownType', drop: true },
    { field: 'size', drop: false, byte: 2, bit: 7, caught: 'other' }, // + 2 GiB: over maxMessageSize, fatal
    { field: 'crc', drop: false, byte: 6, bit: 3, caught: 'checksum' },
    { field: 'timestamp', drop: false, byte: 12, bit: 7, caught: undefined }, // ± ~35 years
    { field: 'requestId', drop: false, byte: 21, bit: 0, caught: undefined },
  ] as const
  it.each(HEADER_FLIPS)(
    'a header flip in $field (no encryption, drop unknown: $drop): caught as $caught',
    async (h) => {
      const { server, client, proxy, atServer, received, states, info } = await rig(
        h.drop ? { unknownMessageTypes: 'drop' } : {},
      )
      server.registerMessageType(NUM)
      proxy.set('up', { flip: { every: 1, region: 'any', at: { byte: h.byte, bit: h.bit }, max: 1 } })
      const sent = Array.from({ length: 10 }, (_, i) => new Request(NUM, body(i)))
      for (const r of sent) expect(client.send(r)).toBe(true)
      const dropped = (): number => server.stats().droppedFrames[h.caught ?? 'checksum'] ?? 0
      if (h.field === 'size') {
        // fatal: the connection is closed with a typed error, the rest of its input ignored
        await waitFor(() => states.length === 1, 5000, 'the close')
        expect(dropped()).toBe(1)
        expect(atServer).toEqual([])
        return
      }
      await waitFor(() => atServer.at(-1) === 9, 5000, 'the last message')
      expect(proxy.flips.up).toHaveLength(1)
      if (h.caught !== undefined) {
        // caught: the flipped frame alone is dropped and counted; the connection and the others are unaffected
        expect(info().stats().droppedFrames[h.caught]).toBe(1)
        expect(atServer).toEqual(seq(10).slice(1))
        expect(states).toHaveLength(0)
        return
      }
      // not caught on the 1.6.3 wire: delivered, intact payload, with the flipped header field
      expect(atServer).toEqual(seq(10))
      expect(Object.values(server.stats().droppedFrames).every((v) => v === 0)).toBe(true)
      if (h.field === 'code') expect(received[0]!.type.code).toBe(456)
      else if (h.field === 'timestamp')
        expect(Math.abs(received[0]!.timestamp - Date.now())).toBeGreaterThan(86_400_000)
      else expect(received[0]!.requestId).not.toEqual(sent[0]!.requestId)
    },
  )

  it('cuts mid-frame (no resume), both ways: only the cut frames are lost, and each loss is counted', async () => {
    const { server, client, proxy, atServer, atClient, toClient, serverConnects } = await rig(
      {},
      { retry: -1, retryDelay: 10 },
    )
    let connects = 0
    client.setCallback(Events.ON_CONNECT, () => {
      connects++
    })
    const CUTS = 6 // even ones client → server, odd ones server → client
    const cutUp: number[] = []
    const cutDown: number[] = []
    let up = 0
    let down = 0
    for (let cut = 0; cut < CUTS; cut++) {
      for (let i = 0; i < 20; i++) {
        expect(client.send(new Request(NUM, body(up++)))).toBe(true)
        expect(toClient(down++)).toBe(true)
      }
      await waitFor(() => atServer.at(-1) === up - 1 && atClient.at(-1) === down - 1, 10_000, 'the batch')
      if (cut % 2 === 0) {
        proxy.cutMidFrame('up')
        cutUp.push(up)
        expect(client.send(new Request(NUM, body(up++)))).toBe(true) // accepted: the client cannot know yet
      } else {
        proxy.cutMidFrame('down')
        cutDown.push(down)
        expect(toClient(down++)).toBe(true)
      }
      await waitFor(() => connects > cut && serverConnects() > cut + 1, 10_000, 'reconnected')
    }
    for (let i = 0; i < 20; i++) {
      client.send(new Request(NUM, body(up++)))
      toClient(down++)
    }
    await waitFor(() => atServer.at(-1) === up - 1 && atClient.at(-1) === down - 1, 10_000, 'the last ones')
    expect(proxy.cuts).toBe(CUTS)
    expect(client.stats().reconnects).toBe(CUTS)
    // in order, never twice, never corrupted (parse); the only gaps are the frames cut in half
    expect(atServer).toEqual(seq(up).filter((i) => !cutUp.includes(i)))
    expect(atClient).toEqual(seq(down).filter((i) => !cutDown.includes(i)))
    const cs = client.stats()
    const ss = server.stats()
    // exact application counts (system frames — HELLO, HELLO_ACK — are not messages)
    expect(cs.messagesOut).toBe(up)
    expect(ss.messagesOut).toBe(down)
    expect(ss.messagesIn).toBe(atServer.length)
    expect(cs.messagesIn).toBe(atClient.length)
    // none silent: sent = delivered + counted loss, each way, on the side that received the half frame
    expect(ss.droppedFrames.truncated).toBe(cutUp.length)
    expect(cs.droppedFrames.truncated).toBe(cutDown.length)
    expect(up).toBe(atServer.length + ss.droppedFrames.truncated!)
    expect(down).toBe(atClient.length + cs.droppedFrames.truncated!)
  })
})
