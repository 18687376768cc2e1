import { setTimeout as sleep } from 'node:timers/promises'
import { connectTo, show } from './connect.js'
import { ms, Output, round3 } from './output.js'
import { EXIT_FAILURE, EXIT_OK, intOption, noExtraPositionals, parseCommand, parseTarget } from './usage.js'

const MAX_COUNT = 1_000_000
const MAX_MS = 3_600_000

/** `veltix ping HOST:PORT [--count N] [--interval MS] [--timeout MS]`. */
export async function ping(argv: string[], help: (name: string) => number): Promise<number> {
  const {
    values,
    positionals,
    help: wantsHelp,
  } = parseCommand(argv, {
    count: { type: 'string', short: 'c' },
    interval: { type: 'string', short: 'i' },
    timeout: { type: 'string', short: 't' },
  })
  if (wantsHelp) return help('ping')
  const target = parseTarget(positionals[0])
  noExtraPositionals(positionals, 1)
  const count = intOption(values, 'count', 1, 1, MAX_COUNT)
  const interval = intOption(values, 'interval', 1000, 0, MAX_MS)
  const timeout = intOption(values, 'timeout', 5000, 1, MAX_MS)
  const out = new Output({ json: values.json === true })

  const client = await connectTo(target, timeout, out, 'ping')
  if (client === null) return EXIT_FAILURE
  const rtts: number[] = []
  let sent = 0
  try {
    for (let seq = 1; seq <= count; seq++) {
      if (seq > 1 && interval > 0) await sleep(interval)
      sent++
      const rtt = await client.pingServer({ timeout })
      if (rtt === null) {
        out.event({ event: 'timeout', seq, timeout }, () =>
          out.paint('yellow', `no pong from ${show(target)}: seq=${seq} (timeout ${timeout} ms)`),
        )
        // A lost connection answers no further ping: stop rather than wait out every remaining one.
        if (!client.connected) break
      } else {
        rtts.push(rtt)
        out.event(
          { event: 'pong', seq, ms: round3(rtt) },
          () => `pong from ${show(target)}: seq=${seq} time=${out.paint('green', ms(rtt))} ms`,
        )
      }
    }
  } finally {
    await client.disconnect()
  }
  const received = rtts.length
  const stats =
    received === 0
      ? {}
      : {
          min: round3(Math.min(...rtts)),
          avg: round3(rtts.reduce((a, b) => a + b, 0) / received),
          max: round3(Math.max(...rtts)),
        }
  out.event({ event: 'summary', sent, received, lost: sent - received, ...stats }, () => {
    const line = `${sent} sent, ${received} received, ${sent - received} lost`
    return received === 0
      ? line
      : `${line}; min/avg/max = ${ms(stats.min!)}/${ms(stats.avg!)}/${ms(stats.max!)} ms`
  })
  return received === count ? EXIT_OK : EXIT_FAILURE
}
