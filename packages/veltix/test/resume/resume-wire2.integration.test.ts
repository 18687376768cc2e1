// Resume over the reference's 2.x wire (WIRE-2.md): between two Veltix for TypeScript peers on a
// `protocol: '2'` server, resume negotiates through `meta.vx` like the other extras, and numbered messages
// each way arrive exactly once and in order across cuts; sendAndWaits in flight at a cut resolve. The proxy
// here forwards bytes as they come (the fault proxy reads 22-byte frames, which this wire does not have) and
// records the server's first bytes, so the test also proves the connection spoke wire 2.
import * as net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type ClientInfo,
  type ConnectInfo,
  Events,
  MessageType,
  Request,
  type Response,
  SocketCore,
} from '../../src/index.js'
import { Fixture, waitFor } from '../helpers.js'

const NUM = new MessageType(200, 'num')
const ASK = new MessageType(201, 'ask')
const CUTS = 6

const body = (n: number): string => `${n}:${String(n).repeat(3)}`
function parse(text: string): number {
  const [head, tail] = text.split(':')
  const n = Number(head)
  if (!Number.isInteger(n) || tail !== String(n).repeat(3)) throw new Error(`corrupted delivery: ${text}`)
  return n
}
const seq = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** A byte-forwarding loopback proxy that can cut every live pair and keeps each pair's first bytes down. */
class CutProxy {
  readonly #server = net.createServer((a) => this.#accept(a))
  readonly #pairs = new Set<{ a: net.Socket; b: net.Socket }>()
  readonly firstDown: Buffer[] = []
  cuts = 0
  port = 0
  constructor(readonly target: number) {}

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r))
    this.port = (this.#server.address() as net.AddressInfo).port
  }

  #accept(a: net.Socket): void {
    const b = net.connect(this.target, '127.0.0.1')
    const pair = { a, b }
    this.#pairs.add(pair)
    let first = true
    a.on('data', (d: Buffer) => b.write(d))
    b.on('data', (d: Buffer) => {
      if (first) this.firstDown.push(Buffer.from(d))
      first = false
      a.write(d)
    })
    const end = (): void => {
      this.#pairs.delete(pair)
      a.destroy()
      b.destroy()
    }
    for (const s of [a, b]) {
      s.on('error', end)
      s.on('close', end)
    }
  }

  cutAll(): void {
    for (const p of this.#pairs) {
      this.cuts++
      p.a.destroy()
      p.b.destroy()
    }
    this.#pairs.clear()
  }

  async close(): Promise<void> {
    this.cutAll()
    await new Promise((r) => this.#server.close(r))
  }
}

describe('resume over wire 2 (loop core)', () => {
  const fx = new Fixture(SocketCore.LOOP)
  const proxies: CutProxy[] = []
  afterEach(async () => {
    await fx.close()
    for (const p of proxies.splice(0)) await p.close()
  })

  it.each(['2', 'auto'] as const)(
    `client protocol '%s': ${CUTS} cuts, every message each way exactly once and in order`,
    async (protocol) => {
      const server = fx.server({ protocol: '2', resume: { windowMs: 20_000 } })
      const atServer: number[] = []
      const serverRecovered: boolean[] = []
      let current: ClientInfo | undefined
      server.onConnect((c) => {
        current = c
        serverRecovered.push(c.recovered)
      })
      server.setCallback(Events.ON_RECV, (c: ClientInfo, r: Response) => {
        if (r.type.code === ASK.code) {
          server.getSender().send(new Request(ASK, r.content, { requestId: r.requestId }), c.conn)
        } else atServer.push(parse(r.text()))
      })
      await server.start()
      const proxy = new CutProxy(server.port)
      proxies.push(proxy)
      await proxy.listen()
      const client = fx.client(proxy.port, { protocol, retry: -1, retryDelay: 10, resume: true })
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

      let up = 0
      let down = 0
      const asks: Promise<Response | null>[] = []
      for (let cut = 0; cut < CUTS; cut++) {
        for (let i = 0; i < 10; i++) {
          if (client.send(new Request(NUM, body(up)))) up++
          if (server.getSender().send(new Request(NUM, body(down)), current!.conn)) down++
        }
        asks.push(client.sendAndWait(new Request(ASK, body(cut)), { timeout: 30_000 }))
        proxy.cutAll()
        // sent while the link is down: kept and sent after the replay
        for (let i = 0; i < 3; i++) if (client.send(new Request(NUM, body(up)))) up++
        await waitFor(
          () => clientRecovered.length > cut + 1 && serverRecovered.length > cut + 1,
          15_000,
          'resumed',
        )
      }
      await waitFor(() => atServer.length >= up && atClient.length >= down, 20_000, 'all messages')

      expect(atServer).toEqual(seq(up))
      expect(atClient).toEqual(seq(down))
      const replies = await Promise.all(asks)
      expect(replies.map((x) => parse(x!.text()))).toEqual(seq(CUTS))
      expect(clientRecovered).toEqual([false, ...Array(CUTS).fill(true)])
      expect(serverRecovered).toEqual([false, ...Array(CUTS).fill(true)])
      expect(client.stats().resume).toMatchObject({ recovered: CUTS, expired: 0, lostMessages: 0 })
      expect(server.stats().resume).toMatchObject({ recovered: CUTS, expired: 0, lostMessages: 0 })
      expect(client.stats().pendingRequests).toBe(0)

      // Every connection spoke wire 2: the server's first bytes are the 2-byte-length JSON hello (WIRE-2.md),
      // announcing our extras (meta.vx), never a 22-byte 1.6.3 HELLO frame.
      expect(proxy.firstDown.length).toBe(CUTS + 1)
      for (const first of proxy.firstDown) {
        const len = first.readUInt16BE(0)
        const hello = JSON.parse(first.subarray(2, 2 + len).toString())
        expect(hello.meta.vx).toEqual({ hello: 1 })
      }
    },
    60_000,
  )
})
