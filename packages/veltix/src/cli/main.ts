#!/usr/bin/env node
// The `veltix` command line. No top-level await: the bundle is also compiled to CommonJS.
import { readFileSync } from 'node:fs'
import { run } from './run.js'

function version(): string {
  try {
    // dist/cli.js -> the package's own package.json.
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string
    }
    return pkg.version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

// `veltix listen | head -1`: the reader went away; that ends the command, quietly and successfully.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

run(process.argv.slice(2), version()).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`veltix: ${(error as Error)?.stack ?? String(error)}\n`)
    process.exitCode = 1
  },
)
