/** Something console lines can be written to: `process.stdout`, `process.stderr`, or a test double. */
export interface OutputStream {
  write(chunk: string): unknown
  /** Colours are used by default only when this is true (a terminal). */
  readonly isTTY?: boolean
}

/** The `useColors` option: `true` = when the stream is a terminal and the environment allows; `'always'` = forced. */
export type ColorSetting = boolean | 'always'

/**
 * Whether console lines to `stream` are coloured. Order, as Node's own `tty.hasColors`: `useColors: false` never,
 * `'always'` always; then `FORCE_COLOR` (`0`/`false` off, any other value on), then `NO_COLOR` (any non-empty
 * value off, per no-color.org), then `TERM=dumb` off, then: on a TTY.
 */
export function useColorsFor(
  setting: ColorSetting,
  stream: OutputStream,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (setting === false) return false
  if (setting === 'always') return true
  const force = env.FORCE_COLOR
  if (force !== undefined) return !(force === '0' || force.toLowerCase() === 'false')
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.TERM === 'dumb') return false
  return stream.isTTY === true
}
