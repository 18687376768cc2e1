import { HELP } from './help.js'
import { ping } from './ping.js'
import { send } from './send.js'
import { listen, serve } from './serve.js'
import { EXIT_OK, EXIT_USAGE, UsageError } from './usage.js'

const COMMANDS: Record<string, (argv: string[], help: (name: string) => number) => Promise<number>> = {
  ping,
  send,
  listen,
  serve,
}

function printHelp(name: string): number {
  process.stdout.write(`${HELP[name]}\n`)
  return EXIT_OK
}

/** Runs `veltix <argv>`; resolves the exit code (see `EXIT_*`). */
export async function run(argv: string[], version: string): Promise<number> {
  const [name, ...rest] = argv
  if (name === '--help' || name === '-h') return printHelp('top')
  if (name === 'help') {
    const about = rest[0]
    return printHelp(about !== undefined && about in COMMANDS ? about : 'top')
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version}\n`)
    return EXIT_OK
  }
  try {
    if (name === undefined) throw new UsageError('COMMAND', 'missing command')
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
    if (command === undefined) {
      throw new UsageError(name, `unknown command '${name}' (one of ${Object.keys(COMMANDS).join(', ')})`)
    }
    return await command(rest, printHelp)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    const where = name !== undefined && Object.hasOwn(COMMANDS, name) ? ` ${name}` : ''
    process.stderr.write(`veltix${where}: ${error.message}\nRun 'veltix${where} --help' for usage.\n`)
    return EXIT_USAGE
  }
}
