// What a user gets from npm: every package is packed (`pnpm pack`, as publishing does), the tarballs are
// installed OFFLINE into empty projects, and CommonJS, ESM and TypeScript consumers (node16 and bundler
// resolution) and the installed `veltix` bin run there — not against the workspace.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Events, noopLogger, Request, Server } from '../src/index.js'

const run = promisify(execFile)
const PACKAGES = fileURLToPath(new URL('../../', import.meta.url))
const ROOT = join(PACKAGES, '..')
const NAMES = ['codec', 'transport', 'session', 'router', 'logger', 'veltix'] as const
const SCOPED = ['@veltix/codec', '@veltix/transport', '@veltix/session', '@veltix/router', '@veltix/logger']
const TSC = join(createRequire(import.meta.url).resolve('typescript/package.json'), '../bin/tsc')
const TIMEOUT = 60_000

const dirs: string[] = []
let packDir: string
let appDir: string
const tarballs = new Map<string, string>()
let subpaths: string[]

async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix))
  dirs.push(d)
  return d
}

/** An empty project with `tgz` installed offline (npm's cache in the project: nothing shared, no network). */
async function install(dir: string, tgz: string[], type?: 'module'): Promise<void> {
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'app', private: true, ...(type ? { type } : {}) }),
  )
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...tgz], {
    cwd: dir,
    timeout: TIMEOUT,
    env: { ...process.env, npm_config_cache: join(dir, '.npm-cache'), npm_config_update_notifier: 'false' },
  })
}

async function node(file: string): Promise<{ out: unknown; stderr: string }> {
  const { stdout, stderr } = await run(process.execPath, [file], { cwd: appDir, timeout: TIMEOUT })
  return { out: JSON.parse(stdout), stderr }
}

beforeAll(async () => {
  for (const n of NAMES) {
    expect(existsSync(join(PACKAGES, n, 'dist/index.d.cts')), `build ${n} first (pnpm build)`).toBe(true)
  }
  packDir = await tempDir('veltix-pack-')
  // Packed concurrently: each `pnpm pack` is mostly its own start-up.
  await Promise.all(
    NAMES.map((n) =>
      run('pnpm', ['pack', '--pack-destination', packDir], { cwd: join(PACKAGES, n), timeout: TIMEOUT }),
    ),
  )
  for (const f of await readdir(packDir)) {
    // veltix-0.1.0.tgz, veltix-codec-0.1.0.tgz, …
    const name = /^veltix-\d/.test(f) ? 'veltix' : /^veltix-([a-z]+)-/.exec(f)?.[1]
    if (name !== undefined) tarballs.set(name, join(packDir, f))
  }
  expect([...tarballs.keys()].sort()).toEqual([...NAMES].sort())
  appDir = await tempDir('veltix-app-')
  await install(appDir, [...tarballs.values()])
  const pkg = JSON.parse(await readFile(join(appDir, 'node_modules/veltix/package.json'), 'utf8'))
  subpaths = Object.keys(pkg.exports).filter((k) => k !== '.' && k !== './package.json')
}, 120_000)

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

describe('the packed tarballs', () => {
  it('ship the ESM build and both typings, no CommonJS copy; every exports target is in the tarball', async () => {
    for (const n of NAMES) {
      const dir = join(appDir, 'node_modules', n === 'veltix' ? 'veltix' : `@veltix/${n}`)
      const files = await readdir(join(dir, 'dist'))
      expect(
        files.filter((f) => f.endsWith('.cjs')),
        n,
      ).toEqual([])
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
      expect(JSON.stringify(pkg.dependencies ?? {}), n).not.toContain('workspace:')
      for (const [key, entry] of Object.entries(pkg.exports)) {
        if (typeof entry === 'string') continue
        const e = entry as { types: { require: string; default: string }; default: string }
        expect(Object.keys(e), `${n} ${key}`).toEqual(['types', 'default'])
        for (const f of [e.types.require, e.types.default, e.default])
          expect(existsSync(join(dir, f)), `${n} ${f}`).toBe(true)
        expect(e.types.require).toMatch(/\.d\.cts$/)
      }
    }
  })

  it(
    'CommonJS: require() of veltix, every subpath and every @veltix package, one copy shared with import()',
    async () => {
      const script = `
      const veltix = require('veltix')
      const subs = ${JSON.stringify(subpaths.map((s) => `veltix/${s.slice(2)}`))}
      const scoped = ${JSON.stringify(SCOPED)}
      const loaded = {}
      for (const s of [...subs, ...scoped]) loaded[s] = Object.keys(require(s)).length
      const codec = require('veltix/codec')
      async function main() {
        const esm = await import('veltix')
        const esmCodec = await import('@veltix/codec')
        let typed = false
        try { new veltix.MessageType(-1, 'x') } catch (e) {
          typed = e instanceof codec.InvalidMessageTypeError && e instanceof esmCodec.InvalidMessageTypeError
        }
        const server = new veltix.Server({ host: '127.0.0.1', port: 0, logger: veltix.noopLogger })
        server.setCallback(veltix.Events.ON_RECV, (c, r) => {
          server.getSender().send(new codec.Request(r.type, 're: ' + r.text(), { requestId: r.id }), c.conn)
        })
        await server.start()
        // The client comes from import(), the server from require(): one module instance, so they mix.
        const client = new esm.Client({ serverAddr: '127.0.0.1', port: server.port, logger: esm.noopLogger })
        const connected = await client.connect()
        const scopedCodec = require('@veltix/codec')
        const reply = await client.sendAndWait(new scopedCodec.Request(new veltix.MessageType(200, 'chat'), 'hi'), { timeout: 5000 })
        const out = {
          loaded,
          connected,
          reply: reply && reply.text(),
          replyIsResponse: reply instanceof veltix.Response && reply instanceof codec.Response && reply instanceof esmCodec.Response,
          sameServer: esm.Server === veltix.Server,
          sameRequest: codec.Request === require('@veltix/codec').Request && codec.Request === esmCodec.Request,
          sameSessionError: require('veltix/session').ConnectionClosedError === veltix.ConnectionClosedError,
          typed,
          pending: client.stats().pendingRequests,
        }
        await client.disconnect()
        await server.closeAll()
        console.log(JSON.stringify(out))
      }
      main()
    `
      await writeFile(join(appDir, 'consumer.cjs'), script)
      const { out, stderr } = await node(join(appDir, 'consumer.cjs'))
      expect(out).toMatchObject({
        connected: true,
        reply: 're: hi',
        replyIsResponse: true,
        sameServer: true,
        sameRequest: true,
        sameSessionError: true,
        typed: true,
        pending: 0,
      })
      const loaded = (out as { loaded: Record<string, number> }).loaded
      expect(Object.keys(loaded).sort()).toEqual(
        [...subpaths.map((s) => `veltix/${s.slice(2)}`), ...SCOPED].sort(),
      )
      for (const [name, count] of Object.entries(loaded)) expect(count, name).toBeGreaterThan(0)
      // No ExperimentalWarning (or anything else) for loading ESM through require().
      expect(stderr).toBe('')
    },
    TIMEOUT,
  )

  it(
    'ESM: import of veltix and its subpaths, a loopback round trip',
    async () => {
      const script = `
      import { Client, Events, MessageType, Request, Server, noopLogger } from 'veltix'
      import { Request as CodecRequest } from 'veltix/codec'
      import { Logger } from 'veltix/logger'
      const server = new Server({ host: '127.0.0.1', port: 0, logger: noopLogger })
      server.setCallback(Events.ON_RECV, (c, r) => {
        server.getSender().send(new CodecRequest(r.type, r.text().toUpperCase(), { requestId: r.id }), c.conn)
      })
      await server.start()
      const client = new Client({ serverAddr: '127.0.0.1', port: server.port, logger: noopLogger })
      await client.connect()
      const reply = await client.sendAndWait(new Request(new MessageType(201, 'up'), 'hi'), { timeout: 5000 })
      console.log(JSON.stringify({ reply: reply?.text(), same: CodecRequest === Request, logger: typeof Logger }))
      await client.disconnect()
      await server.closeAll()
    `
      await writeFile(join(appDir, 'consumer.mjs'), script)
      const { out, stderr } = await node(join(appDir, 'consumer.mjs'))
      expect(out).toEqual({ reply: 'HI', same: true, logger: 'function' })
      expect(stderr).toBe('')
    },
    TIMEOUT,
  )

  it(
    'TypeScript: CommonJS and ESM consumer files with node16 resolution, and bundler resolution',
    async () => {
      // The same source in each flavour: the types are real (the @ts-expect-error lines fail if they were
      // `any`), and classes with private fields are nominal, so the assignments prove `veltix` and
      // `@veltix/codec` resolve to one declaration, not two copies.
      const body = `
      const CHAT = new MessageType(200, 'chat')
      const registry: MessageTypeRegistry = new CodecRegistry()
      export async function roundTrip(port: number): Promise<string | undefined> {
        const server: Server = new Server({ host: '127.0.0.1', port: 0 })
        // @ts-expect-error port is a number
        new Client({ port: '8080' })
        const client = new Client({ serverAddr: '127.0.0.1', port })
        const reply: Response | null = await client.sendAndWait(new Request(CHAT, 'hi'), { timeout: 5000 })
        const level: LogLevel = LogLevel.INFO
        await server.closeAll()
        return reply?.text() + String(level) + String(registry.get(200)?.name)
      }
    `
      const imports = `import { Client, LogLevel, MessageType, MessageTypeRegistry, Request, type Response, Server } from 'veltix'
      import { MessageTypeRegistry as CodecRegistry } from '@veltix/codec'
      import { Logger } from 'veltix/logger'
      import { decodeFrame } from 'veltix/codec'
      export const used = [Logger, decodeFrame]`
      await writeFile(
        join(appDir, 'consumer-cjs.cts'),
        `${imports}\nimport veltix = require('veltix')\nexport const S: typeof veltix.Server = Server\n${body}`,
      )
      await writeFile(
        join(appDir, 'consumer-esm.mts'),
        `${imports}\n${body}\nawait roundTrip(0).catch(() => undefined)`,
      )
      await writeFile(join(appDir, 'consumer-bundler.ts'), `${imports}\n${body}`)
      const common = {
        target: 'ES2022',
        strict: true,
        noEmit: true,
        // Checking every .d.ts (@types/node's above all) would triple the run. What matters is checked in the
        // consumers: a CommonJS file importing ESM-only typings fails (TS1479) in the file itself, and the
        // nominal assignment fails if veltix's typings and @veltix/codec's resolve to two declarations.
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
      }
      const configs = {
        'tsconfig.node16.json': {
          compilerOptions: { ...common, module: 'node16', moduleResolution: 'node16' },
          files: ['consumer-cjs.cts', 'consumer-esm.mts'],
        },
        'tsconfig.bundler.json': {
          compilerOptions: { ...common, module: 'esnext', moduleResolution: 'bundler' },
          files: ['consumer-bundler.ts'],
        },
      }
      await Promise.all(
        Object.entries(configs).map(([f, c]) => writeFile(join(appDir, f), JSON.stringify(c))),
      )
      const results = await Promise.all(
        Object.keys(configs).map((f) =>
          run(process.execPath, [TSC, '-p', f, '--pretty', 'false'], { cwd: appDir, timeout: TIMEOUT }).then(
            () => `${f}: ok`,
            (e: { stdout?: string }) => `${f}: ${e.stdout ?? String(e)}`,
          ),
        ),
      )
      expect(results).toEqual(Object.keys(configs).map((f) => `${f}: ok`))
    },
    TIMEOUT,
  )

  it(
    'the installed bin runs: veltix --version, veltix ping against a server',
    async () => {
      const bin = join(appDir, 'node_modules/.bin/veltix')
      const { stdout: version } = await run(bin, ['--version'], { timeout: TIMEOUT })
      expect(version.trim()).toBe(
        JSON.parse(await readFile(join(PACKAGES, 'veltix/package.json'), 'utf8')).version,
      )
      const server = new Server({ host: '127.0.0.1', port: 0, logger: noopLogger })
      server.setCallback(Events.ON_RECV, (c, r) =>
        server.getSender().send(new Request(r.type, r.content, { requestId: r.id }), c.conn),
      )
      await server.start()
      try {
        const { stdout } = await run(
          bin,
          ['ping', `127.0.0.1:${server.port}`, '--count', '2', '--interval', '0', '--json'],
          {
            timeout: TIMEOUT,
          },
        )
        const lines = stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l))
        expect(lines.map((l) => l.event)).toEqual(['pong', 'pong', 'summary'])
        expect(lines[2]).toMatchObject({ sent: 2, received: 2, lost: 0 })
      } finally {
        await server.closeAll()
      }
    },
    TIMEOUT,
  )

  it(
    '@veltix/codec installs alone: nothing else comes with it',
    async () => {
      const dir = await tempDir('veltix-codec-app-')
      await install(dir, [tarballs.get('codec')!], 'module')
      const top = (await readdir(join(dir, 'node_modules'))).filter((n) => !n.startsWith('.'))
      expect(top).toEqual(['@veltix'])
      expect(await readdir(join(dir, 'node_modules/@veltix'))).toEqual(['codec'])
      const script = `
      import { MessageType, Request, decodeFrame } from '@veltix/codec'
      const { decodeFrame: viaRequire } = (await import('node:module')).createRequire(import.meta.url)('@veltix/codec')
      const f = decodeFrame(new Request(new MessageType(200, 'chat'), 'hi', { requestId: 0x01020304 }).compile(1_700_000_000_000))
      console.log(JSON.stringify({ code: f.code, id: f.requestId, text: Buffer.from(f.payload).toString(), same: viaRequire === decodeFrame }))
    `
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: dir,
        timeout: TIMEOUT,
      })
      expect(JSON.parse(stdout)).toEqual({ code: 200, id: 0x01020304, text: 'hi', same: true })
    },
    TIMEOUT,
  )
})
