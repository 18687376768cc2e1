// Resumable connections through the fault-injecting proxy, on both socket cores: numbered messages each way
// arrive exactly once and in order across 22 cuts (sendAndWaits in flight at each cut resolve); past the window
// the client starts afresh (recovered false, the loss counted); a peer that never acks is cut at the bound;
// resume with encryption on.
import { afterEach, describe, expect, it } from 'vitest'
import {
  type ClientInfo,
  type ConnectInfo,
  Events,
  fingerprint,
  generateIdentity,
  Request,
  type Response,
  ResumeBufferFullError,
  ResumeExpiredError,
  SocketCore,
} from '../../src/index.js'
import { FaultProxy } from '../helpers/fault-proxy.js'
import { Fixture, waitFor } from '../helpers.js'
import { ASK, body, NUM, parse, seq } from './numbered.js'

const CUTS = 22

describe.each([SocketCore.LOOP, SocketCore.WORKER])('resume on the %s core', (core) => {
  const fx = new Fixture(core)
  const proxies: FaultProxy[] = []
  afterEach(async () => {
    await fx.close()
    for (const p of proxies.splice(0)) await p.close()
  })

  async function rig(serverInit = {}, clientInit = {}) {
    const server = fx.server({ maxWorkers: 1, resume: { windowMs: 20_000 }, ...serverInit })
    const atServer: number[] = []
    const serverRecovered: boolean[] = []
    let current: ClientInfo | undefined
    server.onConnect((c) => {
      current = c
      serverRecovered.push(c.recovered)
    })
    server.setCallback(Events.ON_RECV, (c: ClientInfo, r: Response) => {
      // an ASK is answered on the connection it arrived on (a replayed one: the resumed connection)
      if (r.type.code === ASK.code) {
        server.getSender().send(new Request(ASK, r.content, { requestId: r.requestId }), c.conn)
      } else atServer.push(parse(r.text()))
    })
    await server.start()
    const proxy = new FaultProxy(server.port)
    proxies.push(proxy)
    await proxy.listen()
    const client = fx.client(proxy.port, {
      maxWorkers: 1,
      retry: -1,
      retryDelay: 10,
      resume: true,
      ...clientInit,
    })
    const atClient: number[] = []
    const clientRecovered: boolean[] = []
    client.setCallback(Events.ON_RECV, (r: Response) => {
      atClient.push(parse(r.text()))
    })
    client.onConnect((info: ConnectInfo) => {
      clientRecovered.push(info.recovered)
    })
    expect(await client.connect()).toBe(true)
    await waitFor(() => current !== undefined, 5000, 'server ON_CONNECT')
    return {
      server,
      client,
      proxy,
      atServer,
      atClient,
      serverRecovered,
      clientRecovered,
      current: () => current!,
    }
  }

  it(`${CUTS} cuts: every message each way exactly once and in order; sendAndWaits in flight resolve`, async () => {
    const r = await rig()
    const { server, client, proxy } = r
    let up = 0
    let down = 0
    const asks: Promise<Response | null>[] = []
    for (let cut = 0; cut < CUTS; cut++) {
      for (let i = 0; i < 12; i++) {
        if (client.send(new Request(NUM, body(up)))) up++
        if (server.getSender().send(new Request(NUM, body(down)), r.current().conn)) down++
      }
      asks.push(client.sendAndWait(new Request(ASK, body(cut)), { timeout: 30_000 }))
      if (cut % 2 === 0) proxy.cutAll()
      else {
        // the next frame down is written half, then the link is cut
        proxy.cutMidFrame('down')
        if (server.getSender().send(new Request(NUM, body(down)), r.current().conn)) down++
      }
      // sent while the client is down: queued, sent after the replay
      for (let i = 0; i < 3; i++) if (client.send(new Request(NUM, body(up)))) up++
      await waitFor(
        () => r.clientRecovered.length > cut + 1 && r.serverRecovered.length > cut + 1,
        15_000,
        'resumed',
      )
    }
    await waitFor(() => r.atServer.length >= up && r.atClient.length >= down, 20_000, 'all messages')
    expect(r.atServer).toEqual(seq(up))
    expect(r.atClient).toEqual(seq(down))
    const replies = await Promise.all(asks)
    expect(replies.map((x) => parse(x!.text()))).toEqual(seq(CUTS))
    expect(r.clientRecovered).toEqual([false, ...Array(CUTS).fill(true)])
    expect(r.serverRecovered).toEqual([false, ...Array(CUTS).fill(true)])
    expect(proxy.cuts).toBeGreaterThanOrEqual(CUTS / 2)
    const cs = client.stats()
    expect(cs.reconnects).toBe(CUTS)
    expect(cs.resume).toMatchObject({ recovered: CUTS, expired: 0, lostMessages: 0, lostRequests: 0 })
    expect(server.stats().resume).toMatchObject({ recovered: CUTS, expired: 0, lostMessages: 0, held: 0 })
    expect(cs.pendingRequests).toBe(0)
    // the cuts did hit messages in flight: some were sent again
    expect(cs.resume!.replayed + server.stats().resume!.replayed).toBeGreaterThan(0)
  })

  it('the server keeps sending to the first ClientInfo: kept while down, forwarded after each resume', async () => {
    const r = await rig()
    const { server, proxy } = r
    const first = r.current()
    let down = 0
    let refused = 0
    for (let cut = 0; cut < 5; cut++) {
      for (let i = 0; i < 10; i++)
        if (server.getSender().send(new Request(NUM, body(down)), first.conn)) down++
      proxy.cutAll()
      // the server sees the drop, then sends while the client is down: kept for the replay
      await waitFor(
        () => server.stats().resume!.held === 1 || r.serverRecovered.length > cut + 1,
        5000,
        'drop',
      )
      for (let i = 0; i < 5; i++) {
        if (first.send(new Request(NUM, body(down)))) down++
        else refused++
      }
      await waitFor(
        () => r.clientRecovered.length > cut + 1 && r.serverRecovered.length > cut + 1,
        15_000,
        'resumed',
      )
    }
    await waitFor(() => r.atClient.length >= down, 10_000, 'all messages')
    expect(refused).toBe(0)
    expect(down).toBe(75)
    expect(r.atClient).toEqual(seq(down))
    expect(r.clientRecovered).toEqual([false, true, true, true, true, true])
  })

  it('past the window: recovered false on both sides, the pending sendAndWait rejects, the loss is counted', async () => {
    const r = await rig({ resume: { windowMs: 150 } }, { retryDelay: 600 })
    const { server, client, proxy } = r
    // the server swallows what the client sends from now on: never acknowledged
    proxy.set('up', { stall: true })
    const pending = client.sendAndWait(new Request(ASK, body(1)), { timeout: 30_000 })
    for (let i = 0; i < 5; i++) client.send(new Request(NUM, body(i)))
    await new Promise((res) => setTimeout(res, 30))
    proxy.cutAll()
    proxy.heal()
    await expect(pending).rejects.toBeInstanceOf(ResumeExpiredError)
    await waitFor(
      () => r.clientRecovered.length === 2 && r.serverRecovered.length === 2,
      10_000,
      'reconnected',
    )
    expect(r.clientRecovered).toEqual([false, false])
    expect(r.serverRecovered).toEqual([false, false])
    const cs = client.stats().resume!
    expect(cs.expired).toBe(1)
    expect(cs.lostMessages).toBe(6)
    expect(cs.lostRequests).toBe(1)
    await waitFor(() => server.stats().resume!.expired === 1, 5000, 'server expiry')
    expect(server.stats().resume!.held).toBe(0)
    // and the fresh connection works
    client.send(new Request(NUM, body(0)))
    await waitFor(() => r.atServer.length === 1, 5000, 'fresh delivery')
    expect(r.atServer).toEqual([0])
  })

  it('a peer that never acks is cut at maxBufferedBytes: ResumeBufferFullError, counted', async () => {
    const r = await rig({ resume: { windowMs: 20_000, maxBufferedBytes: 128 * 1024 } }, { retry: 0 })
    const { server, proxy } = r
    let error: Error | undefined
    server.onDisconnect((_c, info) => {
      error = info.error
    })
    // the client's acks never reach the server
    proxy.set('up', { stall: true })
    const chunk = 'x'.repeat(4000)
    let accepted = 0
    for (let i = 0; i < 60; i++) {
      if (server.getSender().send(new Request(NUM, `${i}:${chunk}`), r.current().conn)) accepted++
      await new Promise((res) => setTimeout(res, 2))
    }
    await waitFor(() => error !== undefined, 5000, 'cut')
    expect(error).toBeInstanceOf(ResumeBufferFullError)
    expect((error as ResumeBufferFullError).code).toBe('VELTIX_ERR_RESUME_BUFFER_FULL')
    expect(accepted).toBeLessThan(33)
    expect(server.stats().resume).toMatchObject({ bufferFull: 1, lostMessages: accepted, held: 0 })
  })

  it('with encryption on: 4 cuts heal with nothing lost, sealed again after each', async () => {
    const identity = generateIdentity()
    const r = await rig(
      { encryption: 'required', identity },
      { encryption: 'required', serverKey: fingerprint(identity.publicKey) },
    )
    const { server, client, proxy } = r
    expect(client.encrypted).toBe(true)
    let up = 0
    let down = 0
    for (let cut = 0; cut < 4; cut++) {
      for (let i = 0; i < 10; i++) {
        if (client.send(new Request(NUM, body(up)))) up++
        if (server.getSender().send(new Request(NUM, body(down)), r.current().conn)) down++
      }
      proxy.cutAll()
      await waitFor(() => r.clientRecovered.length > cut + 1, 15_000, 'resumed')
    }
    await waitFor(() => r.atServer.length >= up && r.atClient.length >= down, 10_000, 'all messages')
    expect(r.atServer).toEqual(seq(up))
    expect(r.atClient).toEqual(seq(down))
    expect(r.clientRecovered).toEqual([false, true, true, true, true])
    expect(client.encrypted).toBe(true)
  })
})
