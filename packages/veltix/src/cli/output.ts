import type { Writable } from 'node:stream'

/** Where a command writes, and how: `--json` (one object per line) or human lines, coloured on a TTY. */
export interface OutputInit {
  json: boolean
  stdout?: Writable & { isTTY?: boolean; hasColors?: () => boolean }
  stderr?: Writable
  env?: NodeJS.ProcessEnv
}

type Style = 'dim' | 'red' | 'green' | 'yellow' | 'cyan' | 'bold'
const SGR: Record<Style, [number, number]> = {
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  bold: [1, 22],
}

/**
 * Colours: off when `NO_COLOR` is set (non-empty, see no-color.org), on when `FORCE_COLOR` is set to
 * anything but `0`/`false`, else only when stdout is a terminal that has colours (`TERM=dumb` has none).
 */
export function useColours(stdout: OutputInit['stdout'], env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  const force = env.FORCE_COLOR
  if (force !== undefined && force !== '0' && force !== 'false') return true
  return stdout?.isTTY === true && (stdout.hasColors?.() ?? false)
}

export class Output {
  readonly json: boolean
  readonly #stdout: Writable
  readonly #stderr: Writable
  readonly #colours: boolean

  constructor(init: OutputInit) {
    this.json = init.json
    this.#stdout = init.stdout ?? process.stdout
    this.#stderr = init.stderr ?? process.stderr
    this.#colours = !init.json && useColours(init.stdout ?? process.stdout, init.env ?? process.env)
  }

  paint(style: Style, text: string): string {
    if (!this.#colours) return text
    const [on, off] = SGR[style]
    return `\x1b[${on}m${text}\x1b[${off}m`
  }

  /** One event: `record` as a JSON line with `--json`, else `line()` (built only when needed). */
  event(record: Record<string, unknown>, line: () => string): void {
    this.#stdout.write(this.json ? `${JSON.stringify(record)}\n` : `${line()}\n`)
  }

  /** A failure: a JSON `error` event on stdout with `--json` (scripts read one stream), else stderr. */
  error(command: string, error: string, message: string, extra: Record<string, unknown> = {}): void {
    if (this.json) this.#stdout.write(`${JSON.stringify({ event: 'error', error, message, ...extra })}\n`)
    else this.#stderr.write(`${this.paint('red', `veltix ${command}:`)} ${message}\n`)
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true })
// Control characters other than tab, newline and carriage return: such a payload is shown as hex.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/

/** A payload as `{ text }` when it is printable UTF-8, else `{ hex }`. */
export function describePayload(bytes: Uint8Array): { text: string } | { hex: string } {
  try {
    const text = decoder.decode(bytes)
    if (!CONTROL.test(text)) return { text }
  } catch {
    // Not UTF-8: fall through to hex.
  }
  return { hex: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') }
}

const SHOWN = 200

/** The payload for a human line: quoted text (escapes visible) or `hex:…`, cut after 200 characters. */
export function showPayload(p: { text: string } | { hex: string }): string {
  const [shown, cut] =
    'text' in p ? [JSON.stringify(p.text), p.text.length > SHOWN] : [`hex:${p.hex}`, p.hex.length > SHOWN]
  return cut ? `${shown.slice(0, SHOWN)}…` : shown
}

/** Request ids are four bytes on the wire: shown as 8 hex digits to humans, as a number in JSON. */
export function hexId(id: number): string {
  return `0x${id.toString(16).padStart(8, '0')}`
}

/** Milliseconds to the microsecond, for JSON (the clock is finer; the network is not). */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

export function ms(value: number): string {
  return value.toFixed(3)
}

/** `14:23:45.123`, local time (as the logger's lines). */
export function timeOfDay(at: number): string {
  const d = new Date(at)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`
}
