// Installing only the codec pulls in nothing else: pack @veltix/codec, install the tarball offline into an
// empty project, import it there.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const CODEC_DIR = fileURLToPath(new URL('../../codec/', import.meta.url))
const dirs: string[] = []

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

describe('@veltix/codec installs alone', () => {
  it('packs, installs offline into an empty project with no other package, and imports', async () => {
    expect(existsSync(join(CODEC_DIR, 'dist/index.js')), 'build @veltix/codec first').toBe(true)
    const packDir = await mkdtemp(join(tmpdir(), 'veltix-pack-'))
    const appDir = await mkdtemp(join(tmpdir(), 'veltix-app-'))
    dirs.push(packDir, appDir)

    await run('pnpm', ['pack', '--pack-destination', packDir], { cwd: CODEC_DIR })
    const tgz = (await readdir(packDir)).find((f) => f.endsWith('.tgz'))
    expect(tgz).toBeDefined()

    await writeFile(
      join(appDir, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module' }),
    )
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(packDir, tgz!)], {
      cwd: appDir,
      env: { ...process.env, npm_config_cache: join(appDir, '.npm-cache') },
    })

    // Nothing but the codec got installed.
    expect(await readdir(join(appDir, 'node_modules'))).toEqual(expect.arrayContaining(['@veltix']))
    expect((await readdir(join(appDir, 'node_modules'))).filter((n) => !n.startsWith('.'))).toEqual([
      '@veltix',
    ])
    expect(await readdir(join(appDir, 'node_modules/@veltix'))).toEqual(['codec'])

    const script = `
      import { MessageType, Request, decodeFrame } from '@veltix/codec'
      const f = decodeFrame(new Request(new MessageType(200, 'chat'), 'hi', { requestId: 0x01020304 }).compile(1_700_000_000_000))
      console.log(JSON.stringify({ code: f.code, id: f.requestId, text: Buffer.from(f.payload).toString() }))
    `
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: appDir })
    expect(JSON.parse(stdout)).toEqual({ code: 200, id: 0x01020304, text: 'hi' })
  }, 60_000)
})
