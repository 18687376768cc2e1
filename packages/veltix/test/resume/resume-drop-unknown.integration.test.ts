// Resume beside `unknownMessageTypes: 'drop'`: frames of an undeclared type that the receiver drops still
// count as received for the resume acknowledgement, so after a cut the sender replays exactly what the
// receiver did not get — no declared message is delivered twice or lost, and the dropped ones stay dropped.
import { afterEach, describe, expect, it } from 'vitest'
import {
  type ClientInfo,
  type ConnectInfo,
  fingerprint,
  generateIdentity,
  MessageType,
  Request,
  SocketCore,
} from '../../src/index.js'
import { FaultProxy } from '../helpers/fault-proxy.js'
import { Fixture, waitFor } from '../helpers.js'

const NUM = new MessageType(200, 'num')
const STRAY = new MessageType(250, 'stray') // declared on the sender only
const CUTS = 5

const seq = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

describe.each([SocketCore.LOOP, SocketCore.WORKER])(
  'resume with dropped unknown types on the %s core',
  (core) => {
    const fx = new Fixture(core)
    const proxies: FaultProxy[] = []
    afterEach(async () => {
      await fx.close()
      for (const p of proxies.splice(0)) await p.close()
    })

    const identity = generateIdentity()
    const sealed = {
      server: { encryption: 'required' as const, identity },
      client: { encryption: 'required' as const, serverKey: fingerprint(identity.publicKey) },
    }
    it.each([
      ['plain', { server: {}, client: {} }],
      ['encrypted', sealed],
    ])(
      `%s: ${CUTS} cuts with undeclared frames interleaved: every declared message exactly once, in order`,
      async (_name, extra) => {
        const server = fx.server({
          maxWorkers: 1,
          resume: { windowMs: 20_000 },
          unknownMessageTypes: 'drop',
          ...extra.server,
        })
        server.registerMessageType(NUM)
        const atServer: number[] = []
        const serverRecovered: boolean[] = []
        let current: ClientInfo | undefined
        server.onConnect((c) => {
          current = c
          serverRecovered.push(c.recovered)
        })
        server.route(NUM, (r) => {
          atServer.push(Number(r.text()))
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
          unknownMessageTypes: 'drop',
          ...extra.client,
        })
        client.registerMessageType(NUM)
        const atClient: number[] = []
        const clientRecovered: boolean[] = []
        client.route(NUM, (r) => {
          atClient.push(Number(r.text()))
        })
        client.onConnect((info: ConnectInfo) => {
          clientRecovered.push(info.recovered)
        })
        expect(await client.connect()).toBe(true)
        await waitFor(() => current !== undefined, 5000, 'server ON_CONNECT')
        expect(client.encrypted).toBe(_name === 'encrypted')
        let up = 0
        let down = 0
        for (let cut = 0; cut < CUTS; cut++) {
          for (let i = 0; i < 12; i++) {
            if (client.send(new Request(NUM, String(up)))) up++
            client.send(new Request(STRAY, `stray ${i}`))
            if (server.getSender().send(new Request(NUM, String(down)), current!.conn)) down++
            server.getSender().send(new Request(STRAY, `stray ${i}`), current!.conn)
          }
          // let the frames (the dropped ones too) arrive, so the acks have counted them before the cut
          await waitFor(
            () => atServer.length === up && atClient.length === down,
            5000,
            `delivered ${atServer.length}/${up} ${atClient.length}/${down}`,
          )
          proxy.cutAll()
          await waitFor(
            () => clientRecovered.length > cut + 1 && serverRecovered.length > cut + 1,
            15_000,
            'resumed',
          )
          // one more each way after the resume, so a replay of already-delivered frames would show as a duplicate
          if (client.send(new Request(NUM, String(up)))) up++
          if (server.getSender().send(new Request(NUM, String(down)), current!.conn)) down++
          await waitFor(() => atServer.length >= up && atClient.length >= down, 5000, 'after resume')
        }
        await new Promise((r) => setTimeout(r, 100))
        expect(atServer).toEqual(seq(up))
        expect(atClient).toEqual(seq(down))
        expect(clientRecovered).toEqual([false, ...Array(CUTS).fill(true)])
        expect(client.stats().resume).toMatchObject({ recovered: CUTS, lostMessages: 0 })
        expect(server.stats().resume).toMatchObject({ recovered: CUTS, lostMessages: 0 })
        // the strays were really dropped on each side, not delivered
        expect(server.stats().droppedFrames.unknownType).toBeGreaterThanOrEqual(12 * CUTS)
        expect(client.stats().droppedFrames.unknownType).toBeGreaterThanOrEqual(12 * CUTS)
      },
      60_000,
    )
  },
)
