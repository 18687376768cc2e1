// The Chromium the browser tests drive (also used by apps/chat's web test).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** The Chromium to drive: `VELTIX_CHROMIUM`, else `chromium` / `chromium-browser` on the PATH; undefined when none. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.VELTIX_CHROMIUM
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const path = execFileSync('which', [name], { encoding: 'utf8' }).trim()
      if (path !== '' && existsSync(path)) return path
    } catch {
      // not on the PATH
    }
  }
  return undefined
}

/**
 * The Chromium for a test file, or undefined (the file skips, saying why) when there is none; with
 * `CI=true` a missing browser fails the run instead of skipping it.
 */
export function chromiumOrSkip(what: string): string | undefined {
  const path = findChromium()
  if (path !== undefined) return path
  const why = 'no Chromium: install it (apt-get install chromium) or set VELTIX_CHROMIUM=/path/to/chrome'
  if (process.env.CI === 'true') throw new Error(`${what} cannot run: ${why}`)
  console.warn(`skipping ${what}: ${why}`)
  return undefined
}
