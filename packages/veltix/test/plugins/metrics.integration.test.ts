// metrics(): Prometheus metrics through prom-client, read back from a registry of the test's own and checked
// against the traffic the test made (every count known in advance, the round trips against the replies' own
// `latency`).
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { MessageType, Permission, Request, SocketCore, VeltixBasePlugin } from '../../src/index.js'
import { DEFAULT_REQUEST_BUCKETS, metrics } from '../../src/plugins/index.js'
import { Fixture, waitFor } from '../helpers.js'

const CHAT = new MessageType(200, 'chat')
const FILE = new MessageType(201, 'file')
const ASK = new MessageType(202, 'ask')
const MUTE = new MessageType(203, 'mute')
const NEWS = new MessageType(204, 'news')
const H = 22

function value(text: string, line: string): number {
  const m = text.split('\n').find((l) => l.startsWith(`${line} `))
  return m === undefined ? Number.NaN : Number(m.slice(line.length + 1))
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as { port: number }
  await new Promise((r) => s.close(r))
  return port
}

describe.each([SocketCore.LOOP])('metrics() on the %s core', (core) => {
  const fx = new Fixture(core)
  const sockets: Socket[] = []
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy()
    await fx.close()
  })

  it('server: connections, handshakes, messages and bytes in and out by type, errors by code, plugin errors', async () => {
    const registry = new Registry()
    const server = fx.server({ maxMessageSize: 4096, handshakeTimeout: 200 })
    expect(server.registerPlugin(metrics({ registry }))).toBe(true)
    server.registerPlugin(
      new (class extends VeltixBasePlugin {
        readonly name = 'broken'
        override readonly permissions = [Permission.MESSAGES]
        override onMessage() {
          throw new Error('broken plugin')
        }
      })(),
    )
    for (const t of [CHAT, FILE, ASK, MUTE, NEWS]) server.registerMessageType(t)
    // Every message is answered with its own content (a reply: sendAndWait gets it back).
    server.onRecv((c, r) => c.send(Request.respond(r, r.content)))
    await server.start()
    const client = fx.client(server)
    const other = fx.client(server)
    let echoes = 0
    client.onRecv(() => echoes++)
    client.route(ASK, (r, c) => c.send(Request.respond(r, 'yes'))) // the server's sendAndWait(ASK) is answered
    client.route(MUTE, () => {}) // MUTE is never answered
    await client.connect()
    await other.connect()
    await waitFor(() => server.stats().clients === 2)
    client.send(new Request(CHAT, 'hello'))
    client.send(new Request(CHAT, 'hi'))
    client.send(new Request(FILE, 'x'.repeat(100)))
    await waitFor(() => echoes === 3, 5000, 'echoes')
    // A broadcast: counted once per connection that took it.
    expect(server.broadcast(new Request(NEWS, 'news'))).toBe(2)
    // The server's own requests: one answered, one not.
    const info = server.getAllClients()[0]!
    const reply = await server.sendAndWait(new Request(ASK, 'q?'), info, { timeout: 5000 })
    expect(reply?.text()).toBe('yes')
    expect(await server.sendAndWait(new Request(MUTE, 'q?'), info, { timeout: 50 })).toBeNull()

    const text = await registry.metrics()
    expect(value(text, 'veltix_connections')).toBe(2)
    expect(value(text, 'veltix_handshakes_total')).toBe(2)
    expect(value(text, 'veltix_messages_received_total{type="chat"}')).toBe(2)
    expect(value(text, 'veltix_messages_received_total{type="file"}')).toBe(1)
    expect(value(text, 'veltix_bytes_received_total{type="chat"}')).toBe(H + 5 + H + 2)
    expect(value(text, 'veltix_bytes_received_total{type="file"}')).toBe(H + 100)
    // Sent: the three echoes, the broadcast twice, the two requests.
    expect(value(text, 'veltix_messages_sent_total{type="chat"}')).toBe(2)
    expect(value(text, 'veltix_bytes_sent_total{type="chat"}')).toBe(H + 5 + H + 2)
    expect(value(text, 'veltix_messages_sent_total{type="file"}')).toBe(1)
    expect(value(text, 'veltix_bytes_sent_total{type="file"}')).toBe(H + 100)
    expect(value(text, 'veltix_messages_sent_total{type="news"}')).toBe(2)
    expect(value(text, 'veltix_bytes_sent_total{type="news"}')).toBe(2 * (H + 4))
    expect(value(text, 'veltix_messages_sent_total{type="ask"}')).toBe(1)
    expect(value(text, 'veltix_messages_sent_total{type="mute"}')).toBe(1)
    // The round trip: one observation, the reply's own latency, in the bucket it falls in.
    expect(value(text, 'veltix_request_duration_seconds_count{type="ask"}')).toBe(1)
    expect(value(text, 'veltix_request_duration_seconds_sum{type="ask"}')).toBeCloseTo(
      reply!.latency! / 1000,
      9,
    )
    const le = DEFAULT_REQUEST_BUCKETS.find((b) => reply!.latency! / 1000 <= b)!
    expect(value(text, `veltix_request_duration_seconds_bucket{le="${le}",type="ask"}`)).toBe(1)
    expect(value(text, 'veltix_request_duration_seconds_count{type="mute"}')).toBeNaN()
    expect(value(text, 'veltix_requests_unanswered_total{type="mute"}')).toBe(1)
    expect(value(text, 'veltix_plugin_errors_total')).toBe(server.stats().pluginErrors)
    expect(server.stats().pluginErrors).toBe(3) // the broken plugin, once per message received

    // A connection that never completes its handshake: counted by its error's code.
    const raw = new Socket()
    sockets.push(raw)
    raw.connect(server.port, '127.0.0.1')
    await waitFor(() => server.stats().handshakeFailures === 1, 5000, 'handshake timeout')
    // A connection that ends with an error: an oversized frame, the server closes it with a typed error.
    other.send(new Request(CHAT, 'x'.repeat(8000)))
    await waitFor(() => server.stats().clients === 1)
    const after = await registry.metrics()
    expect(value(after, 'veltix_connections')).toBe(1)
    expect(value(after, 'veltix_handshake_failures_total')).toBe(1)
    expect(value(after, 'veltix_errors_total{code="VELTIX_ERR_HANDSHAKE_TIMEOUT"}')).toBe(1)
    const codes = after.split('\n').filter((l) => l.startsWith('veltix_errors_total{'))
    expect(codes).toHaveLength(2)
    expect(codes.join('\n')).toMatch(/veltix_errors_total\{code="VELTIX_ERR_[A-Z_]+"\} 1/)
  })

  it('client: sent by type, the round-trip histogram of its sendAndWait, failed connection attempts by code', async () => {
    const server = fx.server()
    server.onRecv((c, r) => c.send(Request.respond(r, r.content)))
    await server.start()
    const registry = new Registry()
    const client = fx.client(server)
    client.registerPlugin(metrics({ registry, prefix: 'app_', requestBuckets: [0.001, 1] }))
    client.registerMessageType(ASK)
    await client.connect()
    const latencies: number[] = []
    for (let i = 0; i < 3; i++) {
      const r = await client.sendAndWait(new Request(ASK, `q${i}`), { timeout: 5000 })
      expect(r?.text()).toBe(`q${i}`)
      latencies.push(r!.latency!)
    }
    client.send(new Request(ASK, 'plain'))
    const text = await registry.metrics()
    expect(value(text, 'app_messages_sent_total{type="ask"}')).toBe(4)
    expect(value(text, 'app_bytes_sent_total{type="ask"}')).toBe(3 * (H + 2) + H + 5)
    expect(value(text, 'app_request_duration_seconds_count{type="ask"}')).toBe(3)
    const sum = latencies.reduce((a, b) => a + b / 1000, 0)
    expect(value(text, 'app_request_duration_seconds_sum{type="ask"}')).toBeCloseTo(sum, 9)
    expect(value(text, 'app_request_duration_seconds_bucket{le="0.001",type="ask"}')).toBe(
      latencies.filter((l) => l <= 1).length,
    )
    expect(value(text, 'app_request_duration_seconds_bucket{le="+Inf",type="ask"}')).toBe(3)
    expect(value(text, 'app_connections')).toBe(1)

    // A client whose connection attempt fails: counted by the error's code.
    const registry2 = new Registry()
    const lone = fx.client(await closedPort(), { retry: 0 })
    lone.registerPlugin(metrics({ registry: registry2 }))
    expect(await lone.connect()).toBe(false)
    const failed = await registry2.metrics()
    const code = (lone.lastError as Error & { code: string }).code
    expect(code).toMatch(/^VELTIX_ERR_/)
    expect(value(failed, `veltix_errors_total{code="${code}"}`)).toBe(1)
    expect(value(failed, 'veltix_handshake_failures_total')).toBe(1)
  })
})

describe('metrics() without prom-client', () => {
  it('throws MissingPeerDependencyError in a project that has veltix but not prom-client (the built package)', async () => {
    // A user's project: veltix's built files and package.json, its @veltix/* dependencies, no prom-client
    // anywhere up the tree (the temp directory is outside the workspace).
    const pkg = fileURLToPath(new URL('../../', import.meta.url))
    const packages = join(pkg, '..')
    const dir = await mkdtemp(join(tmpdir(), 'veltix-no-prom-'))
    try {
      const nm = join(dir, 'node_modules')
      await mkdir(join(nm, 'veltix'), { recursive: true })
      await cp(join(pkg, 'dist'), join(nm, 'veltix/dist'), { recursive: true })
      await cp(join(pkg, 'package.json'), join(nm, 'veltix/package.json'))
      await mkdir(join(nm, '@veltix'))
      for (const n of ['codec', 'transport', 'session', 'router', 'logger'])
        await symlink(join(packages, n), join(nm, '@veltix', n), 'dir')
      const app = join(dir, 'app.mjs')
      await writeFile(
        app,
        `import { metrics, MissingPeerDependencyError } from 'veltix/plugins'
import { Server } from 'veltix'
const server = new Server({ port: 0 })
try {
  server.registerPlugin(metrics())
  console.log(JSON.stringify({ threw: false }))
} catch (e) {
  console.log(JSON.stringify({ threw: true, instance: e instanceof MissingPeerDependencyError, name: e.name,
    code: e.code, dependency: e.dependency, message: e.message, cause: e.cause?.code }))
}
`,
      )
      const env = { ...process.env }
      delete env.NODE_PATH
      const { stdout } = await promisify(execFile)(process.execPath, [app], {
        cwd: dir,
        env,
        timeout: 20_000,
      })
      expect(JSON.parse(stdout)).toEqual({
        threw: true,
        instance: true,
        name: 'MissingPeerDependencyError',
        code: 'VELTIX_ERR_MISSING_PEER_DEPENDENCY',
        dependency: 'prom-client',
        message:
          'prom-client is not installed: it is an optional peer dependency of veltix (npm install prom-client)',
        cause: 'MODULE_NOT_FOUND',
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)
})
