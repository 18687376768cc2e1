#!/usr/bin/env node
// Veltix chat demo. `pnpm chat` hosts a server and opens a client in this terminal; `pnpm chat --join`
// joins a running one from another terminal; `--server-only` just hosts.
import { parseArgs } from 'node:util'
import { runChatClient } from './client.js'
import { createChatServer } from './server.js'
import { webChat } from './web.js'

const USAGE = `usage: chat [--join | --server-only] [--host H] [--port P] [--nick NAME] [--room ROOM] [--redis URL] [--web PORT]
  (no flag)      host a server on --port and chat in this terminal
  --join         join a chat hosted elsewhere (another terminal: pnpm chat --join)
  --server-only  host a server without a client
  --redis URL    servers on the same Redis are one chat: rooms, /who, private messages
  --web PORT     also serve the chat to browsers at http://H:PORT/ (same rooms and commands)`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      join: { type: 'boolean', default: false },
      'server-only': { type: 'boolean', default: false },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      web: { type: 'string' },
      nick: { type: 'string' },
      room: { type: 'string', default: 'lobby' },
      redis: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) return void console.log(USAGE)
  const portGiven = process.argv.some((a) => a === '--port' || a.startsWith('--port='))
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`bad --port ${values.port}\n${USAGE}`)
  const nick = values.nick ?? `user${Math.floor(Math.random() * 1000)}`

  const web = values.web === undefined || values.join ? undefined : webChat(values.host, Number(values.web))
  const webUrl = await web?.start() // listening first: the server's WebSocket listener shares it
  let server = values.join ? undefined : createChatServer(values.host, port, values.redis, web?.listener)
  if (server !== undefined) {
    try {
      await server.start()
    } catch (err) {
      // The default port is taken (another chat, another program): host on a free one rather than fail.
      if ((err as { causeCode?: string }).causeCode !== 'EADDRINUSE' || portGiven) throw err
      console.log(`port ${port} is busy; hosting on a free port instead`)
      server = createChatServer(values.host, 0, values.redis, web?.listener)
      await server.start()
    }
    console.log(
      `chat server on ${values.host}:${server.port} — others join with: pnpm chat --join --port ${server.port}`,
    )
    if (webUrl !== undefined) console.log(`web chat on ${webUrl}`)
  }
  const stop = async () => {
    await server?.closeAll()
    await web?.close()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  if (values['server-only']) return
  await runChatClient(values.host, server?.port ?? port, nick, values.room)
  await server?.closeAll()
  await web?.close()
  console.log('bye')
}

main().catch((err: Error) => {
  console.error(err.message)
  process.exitCode = 1
})
