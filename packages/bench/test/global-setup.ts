import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// The CLI tests run the built CLI and its forked child script: build dist when it is missing or older than
// the sources (JS only and without cleaning, so a full `pnpm build`'s .d.ts files stay).
const root = fileURLToPath(new URL('..', import.meta.url))

function newestMtime(dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

export default async function setup(): Promise<void> {
  const built = join(root, 'dist', 'child.js')
  const cli = join(root, 'dist', 'cli.js')
  if (existsSync(built) && existsSync(cli) && statSync(built).mtimeMs >= newestMtime(join(root, 'src')))
    return
  const { build } = await import('tsup')
  await build({
    entry: ['src/index.ts', 'src/cli.ts', 'src/child.ts'].map((e) => join(root, e)),
    outDir: join(root, 'dist'),
    format: ['esm'],
    external: ['socket.io', 'socket.io-client', 'zeromq'],
    target: 'node20',
    splitting: true,
    sourcemap: true,
    dts: false,
    clean: false,
    silent: true,
  })
}
