// Typed messages end to end, per-instance message-type registries, and the unknown-type policy.
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import {
  type ClientInfo,
  defineMessage,
  Events,
  InvalidMessageTypeError,
  MessageType,
  Request,
  type Response,
  SocketCore,
  type TypedResponse,
  textCodec,
} from '../src/index.js'
import { captureLogger, deferred, Fixture, waitFor } from './helpers.js'

interface Reply {
  ok: boolean
  text: string
}
const NICK = defineMessage<{ nick: string }, Reply>(200, 'chat.nick')
const EVENT = defineMessage<{ text: string; time: number }>(210, 'chat.event')
const SHOUT = defineMessage<string, string>(220, 'shout', { codec: textCodec, replyCodec: textCodec })

describe.each([SocketCore.LOOP, SocketCore.WORKER])('typed messages on the %s core', (core) => {
  const fx = new Fixture(core)
  afterEach(() => fx.close())

  it('route, send and sendAndWait are typed end to end', async () => {
    const server = fx.server()
    server.route(NICK, (req, client) => {
      expectTypeOf(req).toEqualTypeOf<TypedResponse<{ nick: string }>>()
      expectTypeOf(client).toEqualTypeOf<ClientInfo>()
      client.setTag('nick', req.data.nick)
      return server
        .getSender()
        .send(NICK.reply(req, { ok: true, text: `you are ${req.data.nick}` }), client.conn)
    })
    server.route(SHOUT, (req, client) => {
      server.getSender().send(SHOUT.reply(req, req.data.toUpperCase()), client)
    })
    await server.start()

    const client = fx.client(server)
    const event = deferred<{ text: string; time: number }>()
    client.route(EVENT, (res) => event.resolve(res.data))
    await client.connect()

    const reply = await client.sendAndWait(NICK.request({ nick: 'alice' }), { timeout: 5000 })
    expectTypeOf(reply).toEqualTypeOf<TypedResponse<Reply> | null>()
    expect(reply?.data).toEqual({ ok: true, text: 'you are alice' })
    expect((await client.sendAndWait(SHOUT.request('hey'), { timeout: 5000 }))?.data).toBe('HEY')

    // A plain Request still gives a plain Response.
    const plain = client.sendAndWait(new Request(SHOUT, 'x'), { timeout: 5000 })
    expectTypeOf(plain).toEqualTypeOf<Promise<Response | null>>()
    expect((await plain)?.text()).toBe('X')

    const info = server.getAllClients()[0]!
    expect(info.getTag('nick')).toBe('alice')
    server.getSender().send(EVENT.request({ text: 'hello', time: 1 }), info.conn)
    expect(await event.promise).toEqual({ text: 'hello', time: 1 })

    // The server's sendAndWait is typed too.
    client.route(SHOUT, (req) => client.getSender().send(SHOUT.reply(req, `${req.data}!`)))
    const back = await server.sendAndWait(SHOUT.request('ping'), info, { timeout: 5000 })
    expect(back?.data).toBe('ping!')

    // @ts-expect-error: the payload type is checked
    NICK.request({ nick: 5 })
  })

  it('a payload that does not decode is reported like a throwing handler; the connection goes on', async () => {
    const logger = captureLogger()
    const server = fx.server({ logger })
    const got: string[] = []
    server.route(NICK, (req) => {
      got.push(req.data.nick)
    })
    await server.start()
    const client = fx.client(server)
    await client.connect()
    client.getSender().send(new Request(NICK, 'not json'))
    client.getSender().send(NICK.request({ nick: 'bob' }))
    await waitFor(() => got.length === 1)
    expect(got).toEqual(['bob'])
    await waitFor(() => logger.lines.some((l) => l.level === 'error' && l.msg.includes('not valid JSON')))
  })

  it('each server and client owns its registry; routing a type declares it', async () => {
    const a = fx.server()
    const b = fx.server()
    expect(a.route(new MessageType(300, 'a.thing'), () => {})).toBe(true)
    expect(b.route(new MessageType(300, 'b.other'), () => {})).toBe(true) // not process-global
    expect(a.registry.get(300)?.name).toBe('a.thing')
    expect(b.registry.get(300)?.name).toBe('b.other')
    expect(a.requestHandler.unregisterRoute(300)).toBe(true)
    expect(() => a.route(new MessageType(300, 'clash'), () => {})).toThrow(InvalidMessageTypeError)
    const client = fx.client(a)
    expect(client.route(NICK, () => {})).toBe(true)
    expect(client.registry.get(NICK.code)).toBe(NICK)
  })

  it("unknownMessageTypes: 'deliver' (default) hands them to ON_RECV, 'drop' drops and counts them", async () => {
    const DECLARED = new MessageType(230, 'declared')
    const UNDECLARED = new MessageType(231, 'undeclared')
    for (const policy of ['deliver', 'drop'] as const) {
      const server = fx.server({ unknownMessageTypes: policy })
      server.registerMessageType(DECLARED)
      const got: string[] = []
      server.setCallback(Events.ON_RECV, (_c, r) => {
        got.push(`${r.type.name}:${r.text()}`)
      })
      await server.start()
      const client = fx.client(server)
      await client.connect()
      client.getSender().send(new Request(UNDECLARED, 'u'))
      client.getSender().send(new Request(DECLARED, 'd'))
      await waitFor(() => got.includes('declared:d'))
      if (policy === 'deliver') {
        expect(got).toEqual(['UNKNOWN_231:u', 'declared:d'])
      } else {
        expect(got).toEqual(['declared:d'])
        await waitFor(() => (server.stats().droppedFrames.unknownType ?? 0) === 1)
      }
    }
  })
})
