const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const

/**
 * A byte count for people, in steps of 1024: `148 B`, `144.5 KB`, `2.86 MB`.
 *
 * Rule: bytes are shown whole; larger units with at most two decimals and at most four significant
 * digits, trailing zeros dropped; a value that would round to 1024 of a unit is shown as 1 of the next
 * (1,048,575 → `1 MB`, never `1024 KB`). TB is the largest unit. Negative counts keep their sign.
 * Throws `RangeError` for NaN or infinities.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) throw new RangeError(`formatBytes needs a finite number, got ${bytes}`)
  if (bytes < 0) return `-${formatBytes(-bytes)}`
  if (bytes < 1024) return `${Math.floor(bytes)} B`
  let unit = 0
  let value = bytes
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  let shown = round(value)
  if (shown >= 1024 && unit < UNITS.length - 1) {
    unit++
    shown = round(value / 1024)
  }
  return `${shown} ${UNITS[unit]}`
}

function round(value: number): number {
  const intDigits = Math.max(1, Math.floor(Math.log10(value)) + 1)
  const decimals = Math.max(0, Math.min(2, 4 - intDigits))
  const f = 10 ** decimals
  return Math.round(value * f) / f
}
