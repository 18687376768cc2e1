#!/usr/bin/env node
// Veltix echo demo: an echo server and a client that sends lines with sendAndWait, pings, and prints each
// reply with its real round trip.
import { parseArgs } from 'node:util'
import { Client, Events, MessageType, Request, Server } from 'veltix'

const ECHO = new MessageType(201, 'echo')
const USAGE = `usage: echo [--server-only | --client-only] [--host H] [--port P] [--count N] [--size BYTES]`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'server-only': { type: 'boolean', default: false },
      'client-only': { type: 'boolean', default: false },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      count: { type: 'string', default: '5' },
      size: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) return void console.log(USAGE)
  const [port, count, size] = [Number(values.port), Number(values.count), Number(values.size)]
  if (![port, count, size].every((n) => Number.isInteger(n) && n >= 0))
    throw new Error(`bad number\n${USAGE}`)
  if (values['client-only'] && port === 0)
    throw new Error(`--client-only needs the server's --port\n${USAGE}`)

  let server: Server | undefined
  if (!values['client-only']) {
    server = new Server({ host: values.host, port })
    // Echo: reply with the same type, content and request id.
    server.setCallback(Events.ON_RECV, (client, response) => {
      server
        ?.getSender()
        .send(new Request(response.type, response.content, { requestId: response.requestId }), client.conn)
    })
    await server.start()
    console.log(`echo server listening on ${values.host}:${server.port}`)
    if (values['server-only']) {
      process.once('SIGINT', () => void server?.closeAll())
      process.once('SIGTERM', () => void server?.closeAll())
      return
    }
  }

  const client = new Client({ serverAddr: values.host, port: server?.port ?? port })
  if (!(await client.connect())) throw new Error(`cannot reach ${values.host}:${server?.port ?? port}`)
  for (let i = 1; i <= count; i++) {
    const text = size > 0 ? 'x'.repeat(size) : `hello #${i}`
    const reply = await client.sendAndWait(new Request(ECHO, text), { timeout: 5000 })
    if (reply === null) console.log(`#${i}: no reply within 5 s`)
    else {
      const shown = size > 0 ? `${reply.content.length} bytes` : `"${reply.text()}"`
      console.log(`#${i}: ${shown} in ${reply.latency?.toFixed(3)} ms`)
    }
  }
  const ms = await client.pingServer({ timeout: 2000 })
  console.log(ms === null ? 'ping: no answer' : `ping: ${ms.toFixed(3)} ms`)
  await client.disconnect()
  await server?.closeAll()
}

main().catch((err: Error) => {
  console.error(err.message)
  process.exitCode = 1
})
