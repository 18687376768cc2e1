import { MessageType, Request } from '@veltix/codec'
import { connectTo, show } from './connect.js'
import { describePayload, hexId, ms, Output, round3, showPayload } from './output.js'
import {
  EXIT_FAILURE,
  EXIT_OK,
  intOption,
  noExtraPositionals,
  parseCommand,
  parseTarget,
  toInt,
  UsageError,
} from './usage.js'

const MAX_MS = 3_600_000

/** `veltix send HOST:PORT --type N [--wait] [--timeout MS] [--hex] PAYLOAD`. */
export async function send(argv: string[], help: (name: string) => number): Promise<number> {
  const {
    values,
    positionals,
    help: wantsHelp,
  } = parseCommand(argv, {
    type: { type: 'string' },
    wait: { type: 'boolean', short: 'w' },
    timeout: { type: 'string', short: 't' },
    hex: { type: 'boolean' },
  })
  if (wantsHelp) return help('send')
  const target = parseTarget(positionals[0])
  if (typeof values.type !== 'string')
    throw new UsageError('--type', 'missing --type N (a message type code, 200-65535)')
  const code = toInt('--type', values.type, 200, 65535, '--type', " (0-199 are the protocol's own)")
  const text = positionals[1]
  if (text === undefined) throw new UsageError('PAYLOAD', "missing PAYLOAD (the message text; '' for none)")
  noExtraPositionals(positionals, 2)
  const payload = values.hex === true ? fromHex(text) : text
  const timeout = intOption(values, 'timeout', 5000, 1, MAX_MS)
  const out = new Output({ json: values.json === true })

  const client = await connectTo(target, timeout, out, 'send')
  if (client === null) return EXIT_FAILURE
  // Declared, so a reply of the same type carries this name rather than UNKNOWN_<code>; a reply of a type
  // never declared still arrives (the client delivers unknown types), named UNKNOWN_<code>.
  const type = new MessageType(code, `type_${code}`)
  client.registerMessageType(type)
  const request = new Request(type, payload)
  try {
    if (values.wait !== true) {
      if (!client.getSender().send(request)) {
        out.error('send', 'failure', `the connection to ${show(target)} closed before the message was sent`)
        return EXIT_FAILURE
      }
      sentEvent(out, code, request)
      return EXIT_OK
    }
    const reply = await client.sendAndWait(request, { timeout })
    if (reply === null) {
      out.error('send', 'timeout', `no reply from ${show(target)} within ${timeout} ms`, { id: request.id })
      return EXIT_FAILURE
    }
    const content = describePayload(reply.content)
    const rtt = reply.latency ?? 0
    out.event(
      {
        event: 'reply',
        type: reply.type.code,
        name: reply.type.name,
        id: reply.id,
        bytes: reply.content.byteLength,
        ms: round3(rtt),
        ...content,
      },
      () =>
        `${out.paint('green', 'reply')} type=${out.paint('cyan', String(reply.type.code))} id=${hexId(reply.id)} ` +
        `${reply.content.byteLength} B in ${ms(rtt)} ms: ${showPayload(content)}`,
    )
    return EXIT_OK
  } catch (error) {
    // The connection dropped while waiting (ConnectionClosedError).
    out.error('send', 'failure', (error as Error).message)
    return EXIT_FAILURE
  } finally {
    // Flushes what was sent before closing.
    await client.disconnect()
  }
}

function sentEvent(out: Output, code: number, request: Request): void {
  const bytes = request.payload.byteLength
  out.event(
    { event: 'sent', type: code, id: request.id, bytes },
    () => `sent type=${out.paint('cyan', String(code))} id=${hexId(request.id)} ${bytes} B`,
  )
}

function fromHex(value: string): Uint8Array {
  const clean = value.replace(/\s+/g, '')
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) {
    throw new UsageError('PAYLOAD', `--hex: '${value}' is not an even number of hex digits`)
  }
  return Buffer.from(clean, 'hex')
}
