import * as readline from 'node:readline'
import { Client, type DisconnectState, Events, type TypedRequest } from 'veltix'
import { type ChatEvent, EVENT, JOIN, LEAVE, MAX_LINE, NICK, PM, type Reply, SAY, WHO } from './protocol.js'

const color = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s)
const clock = (t: number) => new Date(t).toTimeString().slice(0, 8)
const HELP =
  'commands: /nick NAME, /join ROOM, /leave, /who, /msg NICK TEXT, /ping, /quit — anything else is said in your room'

/** An interactive chat client on stdin/stdout. Resolves when the user quits (or stdin ends). */
export async function runChatClient(host: string, port: number, nick: string, room: string): Promise<void> {
  const client = new Client({ serverAddr: host, port, retry: 10, retryDelay: 1000 })
  const interactive = process.stdin.isTTY === true
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: interactive })
  rl.on('SIGINT', () => rl.close()) // Ctrl+C quits cleanly, like /quit
  // Take the line iterator now: input that ends while we connect (stdin from /dev/null or a pipe) must still
  // end the loop below, and readline's iterator only sees a close that happens after it was created.
  const lines = rl[Symbol.asyncIterator]()
  let state = 'connecting'
  let quitting = false
  const prompt = () => interactive && rl.prompt(true)
  const say = (line: string) => {
    process.stdout.write(`${interactive ? '\r\x1b[K' : ''}${line}\n`)
    prompt()
  }
  const setPrompt = () => rl.setPrompt(`${state === 'online' ? '' : `[${state}] `}${nick}#${room}> `)

  client.route(EVENT, (res) => {
    const ev: ChatEvent = res.data
    const when = paint(90, clock(ev.time))
    if (ev.kind === 'notice') say(`${when} ${paint(33, `* ${ev.text}`)}`)
    else if (ev.kind === 'pm') say(`${when} ${paint(35, `[pm from ${ev.from}]`)} ${ev.text}`)
    else say(`${when} ${paint(ev.kind === 'history' ? 90 : 36, `<${ev.from}>`)} ${ev.text}`)
  })

  // sendAndWait on a typed request resolves the typed reply (or null on timeout).
  const ask = async <R>(req: TypedRequest<unknown, R>): Promise<R | undefined> => {
    const res = await client.sendAndWait(req, { timeout: 3000 }).catch(() => null)
    return res?.data
  }
  const show = (r: Reply | undefined, onOk?: () => void) => {
    if (r === undefined && quitting) return // the answer was cut short by our own /quit
    if (r?.ok) onOk?.()
    say(r === undefined ? paint(31, 'no answer from the server') : r.ok ? r.text : paint(31, r.text))
  }

  // (Re-)announce who we are after every handshake: the server forgets us when the connection drops.
  // Lines typed (or piped) before the first join completes wait for it, so they land in the room.
  let joined: () => void = () => {}
  const firstJoin = new Promise<void>((resolve) => {
    joined = resolve
  })
  client.setCallback(Events.ON_CONNECT, async () => {
    if (state !== 'connecting') say(paint(32, '* connection regained'))
    state = 'online'
    setPrompt()
    show(await ask(NICK.request({ nick })))
    show(await ask(JOIN.request({ room })))
    joined()
  })
  client.setCallback(Events.ON_DISCONNECT, (s: DisconnectState) => {
    if (quitting) return
    state = s.permanent ? 'offline' : `reconnecting ${s.attempt}/${s.retryMax}`
    const next = s.permanent ? '; not retrying — /quit to leave' : ', reconnecting…'
    say(paint(31, `* lost the server (${s.reason})${next}`))
    setPrompt()
  })

  const commands: Record<string, (arg: string) => Promise<void> | void> = {
    nick: async (arg) => show(await ask(NICK.request({ nick: arg })), () => (nick = arg)),
    join: async (arg) => show(await ask(JOIN.request({ room: arg })), () => (room = arg.replace(/^#/, ''))),
    leave: async () => show(await ask(LEAVE.request({}))),
    who: async () => {
      const who = await ask(WHO.request({}))
      show(who && { ok: true, text: `in #${who.room ?? '-'}: ${who.members.join(', ')}` })
    },
    msg: async (arg) => {
      const [to = '', ...words] = arg.split(' ')
      show(await ask(PM.request({ to, text: words.join(' ') })))
    },
    ping: async () => {
      const ms = await client.pingServer({ timeout: 2000 })
      say(ms === null ? paint(31, 'ping: no answer') : `pong in ${ms.toFixed(3)} ms`)
    },
    help: () => say(HELP),
  }

  say(paint(90, `connecting to ${host}:${port} … (${HELP})`))
  setPrompt()
  if (await client.connect()) await firstJoin
  else say(paint(31, `* cannot reach ${host}:${port}; retrying in the background`))
  prompt()
  for (let next = await lines.next(); next.done !== true; next = await lines.next()) {
    const line = String(next.value).trim()
    if (line === '/quit') break
    if (line.length > MAX_LINE)
      say(paint(31, `line too long (${line.length} > ${MAX_LINE} characters), not sent`))
    else if (line.startsWith('/')) {
      const [cmd = '', ...rest] = line.slice(1).split(' ')
      const run = commands[cmd]
      if (run === undefined) say(paint(31, `unknown command /${cmd} — ${HELP}`))
      else await run(rest.join(' ').trim())
    } else if (line !== '' && !client.getSender().send(SAY.request({ text: line }))) {
      say(paint(31, 'not connected: message not sent'))
    }
    prompt()
  }
  quitting = true
  rl.close()
  await client.disconnect()
}
