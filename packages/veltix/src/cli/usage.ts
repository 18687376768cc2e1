import { type ParseArgsConfig, parseArgs } from 'node:util'

/** Exit codes scripts can rely on. */
export const EXIT_OK = 0
/** Unreachable peer, timeout, a port in use: the command ran but did not get what it asked for. */
export const EXIT_FAILURE = 1
/** Bad arguments: nothing was attempted. */
export const EXIT_USAGE = 2

/** A bad command line; `argument` names the offending argument (`--count`, `HOST:PORT`, …). */
export class UsageError extends Error {
  readonly code = 'VELTIX_ERR_CLI_USAGE'
  readonly argument: string
  constructor(argument: string, message: string) {
    super(message)
    this.name = 'UsageError'
    this.argument = argument
  }
}

export interface Target {
  host: string
  port: number
}

const DEFAULT_TARGET_HOST = '127.0.0.1'

/** `HOST:PORT`, `[v6]:PORT` or a bare `PORT` (on 127.0.0.1). */
export function parseTarget(value: string | undefined): Target {
  const name = 'HOST:PORT'
  if (value === undefined || value === '')
    throw new UsageError(name, 'missing HOST:PORT (e.g. 127.0.0.1:8080)')
  let host: string
  let port: string
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(value)
  if (v6 !== null) {
    host = v6[1]!
    port = v6[2]!
  } else if (/^\d+$/.test(value)) {
    host = DEFAULT_TARGET_HOST
    port = value
  } else {
    const colon = value.lastIndexOf(':')
    if (colon <= 0) throw new UsageError(name, `'${value}' is not HOST:PORT (e.g. 127.0.0.1:8080)`)
    host = value.slice(0, colon)
    port = value.slice(colon + 1)
    if (host.includes(':')) {
      throw new UsageError(name, `'${value}': put an IPv6 address in brackets, e.g. [::1]:8080`)
    }
  }
  return { host, port: toInt(name, port, 1, 65535, `the port in '${value}'`) }
}

/** An integer option in `[min, max]`; `what` describes it in the message. */
export function toInt(
  argument: string,
  value: string,
  min: number,
  max: number,
  what = argument,
  hint = '',
): number {
  const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(argument, `${what} must be an integer from ${min} to ${max}${hint}, got '${value}'`)
  }
  return n
}

/** Like `toInt` for an optional option with a default. */
export function intOption(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = values[name]
  return typeof v === 'string' ? toInt(`--${name}`, v, min, max, `--${name}`) : fallback
}

export interface Parsed {
  values: Record<string, string | boolean | undefined>
  positionals: string[]
  help: boolean
}

/**
 * `parseArgs` (strict) with `--help` and `--json` added; its errors become `UsageError`s naming the option.
 * `--help` wins over every other error, so `veltix send --help` works without the required arguments.
 */
export function parseCommand(argv: string[], options: NonNullable<ParseArgsConfig['options']>): Parsed {
  const all = {
    ...options,
    help: { type: 'boolean', short: 'h' },
    json: { type: 'boolean' },
  } as const
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: all,
      allowPositionals: true,
      strict: true,
    })
    return { values: values as Parsed['values'], positionals, help: values.help === true }
  } catch (error) {
    if (argv.includes('--help') || argv.includes('-h')) return { values: {}, positionals: [], help: true }
    const { code, message } = error as Error & { code?: string }
    const named = /'(-[^' ]+)/.exec(message)?.[1] ?? 'arguments'
    // Node's own text for this one runs on about '--' for positionals; the option's name is what matters.
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(named, `unknown option '${named}'`)
    throw new UsageError(named, message)
  }
}

/** Rejects positionals past the `max` a command takes, naming the first extra one. */
export function noExtraPositionals(positionals: string[], max: number): void {
  const extra = positionals[max]
  if (extra !== undefined) throw new UsageError(extra, `unexpected argument '${extra}'`)
}
