import { Request, type Response } from '@veltix/codec'
import { noopLogger } from '@veltix/logger'
import type { ClientInfo } from '../client-info.js'
import { Events } from '../events.js'
import { Server } from '../server.js'
import { show } from './connect.js'
import { describePayload, hexId, Output, showPayload, timeOfDay } from './output.js'
import { EXIT_FAILURE, EXIT_OK, intOption, noExtraPositionals, parseCommand, UsageError } from './usage.js'

const DEFAULT_PORT = 8080

/** `veltix listen [--port N] [--host H] [--count N]`: prints every message. */
export function listen(argv: string[], help: (name: string) => number): Promise<number> {
  const parsed = parseCommand(argv, {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    count: { type: 'string', short: 'c' },
  })
  if (parsed.help) return Promise.resolve(help('listen'))
  const count = intOption(parsed.values, 'count', 0, 1, Number.MAX_SAFE_INTEGER)
  return runServer('listen', parsed, count, false)
}

/** `veltix serve --echo [--port N] [--host H]`: answers every message with itself. */
export function serve(argv: string[], help: (name: string) => number): Promise<number> {
  const parsed = parseCommand(argv, {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    echo: { type: 'boolean' },
  })
  if (parsed.help) return Promise.resolve(help('serve'))
  if (parsed.values.echo !== true) {
    throw new UsageError('--echo', 'serve needs a behaviour: --echo (the only one for now)')
  }
  return runServer('serve', parsed, 0, true)
}

async function runServer(
  command: 'listen' | 'serve',
  { values, positionals }: ReturnType<typeof parseCommand>,
  count: number,
  echo: boolean,
): Promise<number> {
  noExtraPositionals(positionals, 0)
  const port = intOption(values, 'port', DEFAULT_PORT, 0, 65535)
  const host = typeof values.host === 'string' && values.host !== '' ? values.host : '0.0.0.0'
  const out = new Output({ json: values.json === true })
  const server = new Server({ host, port, logger: noopLogger })
  const peer = (c: ClientInfo): string => show({ host: c.addr[0], port: c.addr[1] })

  let stopped!: () => void
  const done = new Promise<void>((resolve) => {
    stopped = resolve
  })
  let seen = 0
  server.setCallback(Events.ON_CONNECT, (c) =>
    out.event({ event: 'connect', client: peer(c) }, () =>
      out.paint('dim', `${timeOfDay(Date.now())} ${peer(c)} connected`),
    ),
  )
  server.setCallback(Events.ON_DISCONNECT, (c) =>
    out.event({ event: 'disconnect', client: peer(c) }, () =>
      out.paint('dim', `${timeOfDay(Date.now())} ${peer(c)} disconnected`),
    ),
  )
  server.setCallback(Events.ON_RECV, (c: ClientInfo, r: Response) => {
    // Same type (an undeclared code arrives as UNKNOWN_<code> and goes back as that code), content, id.
    if (echo) server.getSender().send(new Request(r.type, r.content, { requestId: r.id }), c.conn)
    const content = describePayload(r.content)
    const bytes = r.content.byteLength
    out.event(
      {
        event: echo ? 'echo' : 'message',
        time: new Date(r.receivedAt).toISOString(),
        client: peer(c),
        type: r.type.code,
        id: r.id,
        bytes,
        ...content,
      },
      () =>
        `${out.paint('dim', timeOfDay(r.receivedAt))} ${peer(c)} ${echo ? 'echo ' : ''}type=${out.paint('cyan', String(r.type.code))} ` +
        `id=${hexId(r.id)} ${bytes} B ${showPayload(content)}`,
    )
    if (count > 0 && ++seen >= count) stopped()
  })

  try {
    await server.start()
  } catch (error) {
    out.error(command, 'listen', `cannot listen on ${show({ host, port })}: ${(error as Error).message}`, {
      host,
      port,
    })
    return EXIT_FAILURE
  }
  const onSignal = (): void => stopped()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const bound = server.address
  const at = { host: bound?.host ?? host, port: server.port }
  out.event(
    { event: 'listening', ...at, echo },
    () =>
      `${out.paint('bold', command === 'serve' ? 'echo server' : 'listening')} on ${show(at)} (Ctrl-C to stop)`,
  )
  await done
  process.removeListener('SIGINT', onSignal)
  process.removeListener('SIGTERM', onSignal)
  await server.closeAll()
  return EXIT_OK
}
