import { execFile } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const PKG = fileURLToPath(new URL('../', import.meta.url))
// What the command-line and pack tests run: the built bin and the typings CommonJS consumers read.
const OUTPUTS = ['dist/cli.js', 'dist/index.js', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/browser.js']

function newest(dir: string): number {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

function oldestOutput(): number {
  try {
    return Math.min(...OUTPUTS.map((f) => statSync(join(PKG, f)).mtimeMs))
  } catch {
    return 0
  }
}

/**
 * The bin and the packed tarball are built code: rebuild dist/ (the package's own `build` script, every
 * tsup config it runs) when a source file or package.json is newer than it, so `pnpm --filter veltix test`
 * never tests a stale build.
 */
export default async function setup(): Promise<void> {
  const sources = Math.max(newest(join(PKG, 'src')), statSync(join(PKG, 'package.json')).mtimeMs)
  if (oldestOutput() >= sources) return
  await promisify(execFile)('pnpm', ['run', '--silent', 'build'], { cwd: PKG, timeout: 180_000 })
}
