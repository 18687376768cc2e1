import { type ClientInfo, Events, type Request, type Response, Server } from 'veltix'
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

/** A chat server: nicknames and rooms are client tags; each room keeps its last messages. */
export function createChatServer(host: string, port: number): Server {
  const server = new Server({ host, port })
  const sender = server.getSender()
  const history = new Map<string, ChatEvent[]>()
  const nickOf = (c: ClientInfo) => c.getTag<string>('nick') ?? `guest-${c.addr[1]}`
  const roomOf = (c: ClientInfo) => c.getTag<string>('room')
  const inRoom = (room: string) => server.getAllClients().filter((c) => roomOf(c) === room)
  const reply = (type: Replier, req: Response, client: ClientInfo, r: Reply) =>
    sender.send(type.reply(req, r), client)
  const tell = (clients: ClientInfo[], ev: Omit<ChatEvent, 'time'>, except?: ClientInfo) =>
    sender.broadcast(
      EVENT.request({ ...ev, time: Date.now() }),
      clients.map((c) => c.conn),
      except ? [except.conn] : [],
    )

  const leave = (client: ClientInfo) => {
    const room = roomOf(client)
    if (room === null) return
    client.removeTag('room')
    tell(inRoom(room), { kind: 'notice', room, text: `${nickOf(client)} left #${room}` })
  }

  server.route(NICK, (req, client) => {
    const nick = String(req.data.nick ?? '').trim()
    if (!/^[\w-]{1,20}$/.test(nick))
      return reply(NICK, req, client, { ok: false, text: 'a nick is 1-20 letters, digits, _ or -' })
    if (server.getAllClients().some((c) => c !== client && nickOf(c) === nick)) {
      return reply(NICK, req, client, { ok: false, text: `${nick} is taken` })
    }
    const old = nickOf(client)
    client.setTag('nick', nick)
    const room = roomOf(client)
    if (room !== null && old !== nick)
      tell(inRoom(room), { kind: 'notice', room, text: `${old} is now ${nick}` }, client)
    return reply(NICK, req, client, { ok: true, text: `you are ${nick}` })
  })

  server.route(JOIN, (req, client) => {
    const room = String(req.data.room ?? '').replace(/^#/, '')
    if (!/^[\w-]{1,30}$/.test(room))
      return reply(JOIN, req, client, { ok: false, text: 'a room is 1-30 letters, digits, _ or -' })
    leave(client)
    client.setTag('room', room)
    tell(inRoom(room), { kind: 'notice', room, text: `${nickOf(client)} joined #${room}` }, client)
    for (const ev of history.get(room) ?? [])
      sender.send(EVENT.request({ ...ev, kind: 'history' }), client.conn)
    return reply(JOIN, req, client, { ok: true, text: `joined #${room} (${inRoom(room).length} here)` })
  })

  server.route(LEAVE, (req, client) => {
    const room = roomOf(client)
    leave(client)
    return reply(LEAVE, req, client, {
      ok: room !== null,
      text: room === null ? 'you are in no room' : `left #${room}`,
    })
  })

  server.route(SAY, (req, client) => {
    const room = roomOf(client)
    const text = String(req.data.text ?? '').slice(0, MAX_LINE)
    if (room === null || text === '') return
    const ev: ChatEvent = { kind: 'msg', from: nickOf(client), room, text, time: Date.now() }
    const past = history.get(room) ?? []
    past.push(ev)
    if (past.length > HISTORY) past.shift()
    history.set(room, past)
    tell(inRoom(room), ev)
  })

  server.route(WHO, (req, client) => {
    const room = roomOf(client)
    sender.send(WHO.reply(req, { room, members: room === null ? [] : inRoom(room).map(nickOf) }), client.conn)
  })

  server.route(PM, (req, client) => {
    const target = server.getAllClients().find((c) => nickOf(c) === req.data.to)
    if (target === undefined)
      return reply(PM, req, client, { ok: false, text: `no one is called ${req.data.to}` })
    tell([target], { kind: 'pm', from: nickOf(client), text: String(req.data.text).slice(0, MAX_LINE) })
    return reply(PM, req, client, { ok: true, text: `-> ${req.data.to}: ${req.data.text}` })
  })

  server.setCallback(Events.ON_DISCONNECT, (client: ClientInfo) => leave(client))
  return server
}
