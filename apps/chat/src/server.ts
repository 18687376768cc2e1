import { type ClientInfo, Events, type Listener, type Request, type Response, Server } from 'veltix'
import { chatCluster, clusterConfig } from './cluster.js'
import {
  type ChatEvent,
  EVENT,
  HISTORY,
  JOIN,
  LEAVE,
  MAX_LINE,
  NICK,
  PM,
  type Reply,
  SAY,
  WHO,
} from './protocol.js'

type Replier = { reply(to: Response, r: Reply): Request }

/** A chat server: nicknames and rooms are client tags; each room keeps its last messages (per server). */
export function createChatServer(host: string, port: number, redisUrl?: string, web?: Listener): Server {
  const server = new Server({
    host,
    port,
    ...clusterConfig(redisUrl),
    listeners: web === undefined ? [] : [web],
  })
  const sender = server.getSender()
  const chat = chatCluster(server)
  const history = new Map<string, ChatEvent[]>()
  const nickOf = (c: ClientInfo) => c.getTag<string>('nick') ?? `guest-${c.addr[1]}`
  const roomOf = (c: ClientInfo) => c.getTag<string>('room')
  const reply = (type: Replier, req: Response, client: ClientInfo, r: Reply) =>
    sender.send(type.reply(req, r), client)
  const tell = (room: string, ev: Omit<ChatEvent, 'time'>, except?: ClientInfo) =>
    chat.tell(EVENT.request({ ...ev, time: Date.now() }), room, except?.id)

  const leave = (client: ClientInfo) => {
    const room = roomOf(client)
    if (room === null) return
    client.removeTag('room')
    void tell(room, { kind: 'notice', room, text: `${nickOf(client)} left #${room}` })
  }

  server.route(NICK, async (req, client) => {
    const nick = String(req.data.nick ?? '').trim()
    if (!/^[\w-]{1,20}$/.test(nick))
      return reply(NICK, req, client, { ok: false, text: 'a nick is 1-20 letters, digits, _ or -' })
    if ((await chat.everyone()).some((m) => m.id !== client.id && m.nick === nick)) {
      return reply(NICK, req, client, { ok: false, text: `${nick} is taken` })
    }
    const old = nickOf(client)
    client.setTag('nick', nick)
    const room = roomOf(client)
    if (room !== null && old !== nick)
      await tell(room, { kind: 'notice', room, text: `${old} is now ${nick}` }, client)
    return reply(NICK, req, client, { ok: true, text: `you are ${nick}` })
  })

  server.route(JOIN, async (req, client) => {
    const room = String(req.data.room ?? '').replace(/^#/, '')
    if (!/^[\w-]{1,30}$/.test(room))
      return reply(JOIN, req, client, { ok: false, text: 'a room is 1-30 letters, digits, _ or -' })
    leave(client)
    client.setTag('room', room)
    await tell(room, { kind: 'notice', room, text: `${nickOf(client)} joined #${room}` }, client)
    for (const ev of history.get(room) ?? [])
      sender.send(EVENT.request({ ...ev, kind: 'history' }), client.conn)
    const here = (await chat.inRoom(room)).length
    return reply(JOIN, req, client, { ok: true, text: `joined #${room} (${here} here)` })
  })

  server.route(LEAVE, (req, client) => {
    const room = roomOf(client)
    leave(client)
    return reply(LEAVE, req, client, {
      ok: room !== null,
      text: room === null ? 'you are in no room' : `left #${room}`,
    })
  })

  server.route(SAY, async (req, client) => {
    const room = roomOf(client)
    const text = String(req.data.text ?? '').slice(0, MAX_LINE)
    if (room === null || text === '') return
    const ev: ChatEvent = { kind: 'msg', from: nickOf(client), room, text, time: Date.now() }
    const past = history.get(room) ?? []
    past.push(ev)
    if (past.length > HISTORY) past.shift()
    history.set(room, past)
    await tell(room, ev)
  })

  server.route(WHO, async (req, client) => {
    const room = roomOf(client)
    const members = room === null ? [] : (await chat.inRoom(room)).map((m) => m.nick)
    sender.send(WHO.reply(req, { room, members }), client.conn)
  })

  server.route(PM, async (req, client) => {
    const target = (await chat.everyone()).find((m) => m.nick === req.data.to)
    if (target === undefined)
      return reply(PM, req, client, { ok: false, text: `no one is called ${req.data.to}` })
    const pm: ChatEvent = {
      kind: 'pm',
      from: nickOf(client),
      text: String(req.data.text).slice(0, MAX_LINE),
      time: Date.now(),
    }
    await chat.sendTo(target.id, EVENT.request(pm))
    return reply(PM, req, client, { ok: true, text: `-> ${req.data.to}: ${req.data.text}` })
  })

  server.setCallback(Events.ON_DISCONNECT, (client: ClientInfo) => leave(client))
  return server
}
