// Every ```ts block of README.md is a whole program: it is typechecked (strict, as a user's .mts file
// importing 'veltix') and run, and must end by itself leaving no socket, server or timer behind.
import { execFile } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const PKG = fileURLToPath(new URL('../', import.meta.url))
const DIR = join(PKG, '.readme-check')
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc')

// The package README (the guide) and the repository's root README (its Quick Start).
const READMES = [join(PKG, 'README.md'), join(PKG, '..', '..', 'README.md')]

async function blocks(): Promise<string[]> {
  const all: string[] = []
  for (const file of READMES) {
    const md = await readFile(file, 'utf8')
    all.push(...[...md.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!))
  }
  return all
}

const examples = await blocks()

/** Handles that would keep the process alive: sockets, servers, timers. */
function liveHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Timeout' || r === 'Immediate')
}

beforeAll(async () => {
  await rm(DIR, { recursive: true, force: true })
  await mkdir(DIR, { recursive: true })
  await Promise.all(examples.map((code, i) => writeFile(join(DIR, `block-${i + 1}.mts`), code)))
  await writeFile(
    join(DIR, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../../tsconfig.base.json',
      compilerOptions: {
        noEmit: true,
        paths: { veltix: ['../src/index.ts'], 'veltix/*': ['../src/*.ts'] },
      },
      include: ['*.mts'],
    }),
  )
})

afterAll(async () => {
  await rm(DIR, { recursive: true, force: true })
})

describe('README.md examples (packages/veltix and the root)', () => {
  it('has examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8)
  })

  it('every ts block typechecks under strict', async () => {
    const result = await promisify(execFile)(process.execPath, [TSC, '-p', DIR], { cwd: PKG }).then(
      () => '',
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
    )
    expect(result).toBe('')
  }, 120_000)

  it.each(examples.map((_, i) => i + 1))(
    'block %i runs and ends by itself',
    async (n) => {
      const before = liveHandles().length
      await import(join(DIR, `block-${n}.mts`))
      // Let close callbacks of the last sockets run.
      for (let i = 0; i < 50 && liveHandles().length > before; i++)
        await new Promise((r) => setTimeout(r, 20))
      expect(liveHandles().length).toBeLessThanOrEqual(before)
    },
    30_000,
  )
})
