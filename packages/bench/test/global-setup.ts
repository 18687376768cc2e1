import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
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
  const cluster = join(root, 'dist', 'cluster-child.js')
  if (
    existsSync(built) &&
    existsSync(cli) &&
    existsSync(cluster) &&
    statSync(built).mtimeMs >= newestMtime(join(root, 'src'))
  )
    return
  // The package's own tsup options (entries, externals), so this build is the one `pnpm build` makes, JS only.
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    tsup: { entry: string[]; external?: string[]; target?: string }
  }
  const { build } = await import('tsup')
  await build({
    entry: pkg.tsup.entry.map((e) => join(root, e)),
    outDir: join(root, 'dist'),
    format: ['esm'],
    external: pkg.tsup.external ?? [],
    target: pkg.tsup.target ?? 'node20',
    splitting: true,
    sourcemap: true,
    dts: false,
    clean: false,
    silent: true,
  })
}
