// The `veltix` bin, run as a user runs it: the built dist/cli.js in a child process, against loopback
// servers and clients of this library, against a Python Veltix 1.6.3 peer played at byte level, and
// against itself. Every child is awaited or killed; every server and socket closed.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import * as net from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeFrame, encodeHelloPayload, type Frame, FrameDecoder } from '../src/codec.js'
import { Client, Events, MessageType, noopLogger, Request, type Response, Server } from '../src/index.js'
import { deferred, waitFor } from './helpers.js'

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const LIMIT = 20_000

// Children get a colour-neutral environment; tests that care set NO_COLOR / FORCE_COLOR themselves.
const baseEnv: NodeJS.ProcessEnv = { ...process.env }
delete baseEnv.NO_COLOR
delete baseEnv.FORCE_COLOR

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `veltix …` to its end (killed past LIMIT). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...baseEnv, ...env }, timeout: LIMIT },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null
        resolve({ code, stdout, stderr })
      },
    )
  })
}

const jsonLines = (s: string): Record<string, unknown>[] =>
  s
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l))

/** A long-running `veltix listen|serve`, its stdout split in lines as they come. */
class Running {
  readonly lines: string[] = []
  stderr = ''
  readonly exited: Promise<number | null>
  readonly child: ChildProcess
  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], {
      env: { ...baseEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let buf = ''
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d
      const parts = buf.split('\n')
      buf = parts.pop()!
      this.lines.push(...parts)
    })
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d
    })
    this.exited = new Promise((r) => this.child.once('exit', (code) => r(code)))
    running.push(this)
  }
  async line(match: (l: string) => boolean, what: string): Promise<string> {
    await waitFor(
      () => this.lines.some(match),
      LIMIT,
      `${what} (stdout: ${this.lines.join(' | ')} stderr: ${this.stderr})`,
    )
    return this.lines.find(match)!
  }
  /** The port from the `listening` line (`--json`). */
  async port(): Promise<number> {
    const l = await this.line((x) => x.includes('"listening"'), 'listening line')
    return (JSON.parse(l) as { port: number }).port
  }
  json(event: string): Record<string, unknown>[] {
    return this.lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((o) => o.event === event)
  }
}

const running: Running[] = []
const servers: Server[] = []
const clients: Client[] = []
const raw: net.Server[] = []
const sockets: net.Socket[] = []

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.disconnect()))
  await Promise.all(servers.splice(0).map((s) => s.closeAll()))
  for (const s of sockets.splice(0)) s.destroy()
  await Promise.all(raw.splice(0).map((s) => new Promise((r) => s.close(r))))
  for (const r of running.splice(0)) {
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL')
    await r.exited
  }
})

/** A server of this library; `reply` answers each message (none: it never answers). */
async function server(reply?: (r: Response) => Request | undefined): Promise<{ s: Server; got: Response[] }> {
  const s = new Server({ host: '127.0.0.1', port: 0, logger: noopLogger })
  const got: Response[] = []
  s.setCallback(Events.ON_RECV, (c, r) => {
    got.push(r)
    const answer = reply?.(r)
    if (answer !== undefined) s.getSender().send(answer, c.conn)
  })
  servers.push(s)
  await s.start()
  return { s, got }
}

function client(port: number): Client {
  const c = new Client({ serverAddr: '127.0.0.1', port, logger: noopLogger })
  clients.push(c)
  return c
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as net.AddressInfo
  await new Promise((r) => s.close(r))
  return port
}

/** Frames received on a raw socket, decoded. */
function frames(socket: net.Socket): Frame[] {
  const out: Frame[] = []
  const decoder = new FrameDecoder({ onFrame: (f) => out.push({ ...f, payload: new Uint8Array(f.payload) }) })
  socket.on('data', (d: Buffer) => decoder.push(d))
  socket.on('error', () => {})
  return out
}

/**
 * A Python Veltix 1.6.3 server at byte level: HELLO with its version, PONG for PING, and an app that
 * answers code 200 with code 250 (a type the CLI never declared) and the same request id.
 */
async function referenceServer(): Promise<number> {
  const s = net.createServer((socket) => {
    sockets.push(socket)
    const got = frames(socket)
    socket.write(encodeFrame({ code: 10, requestId: 0x0a0b0c0d, payload: encodeHelloPayload('1.6.3') }))
    socket.on('data', () => {
      for (const f of got.splice(0)) {
        if (f.code === 0)
          socket.write(encodeFrame({ code: 1, requestId: f.requestId, payload: new Uint8Array(0) }))
        if (f.code === 200) {
          const text = `py: ${Buffer.from(f.payload).toString()}`
          socket.write(encodeFrame({ code: 250, requestId: f.requestId, payload: Buffer.from(text) }))
        }
      }
    })
  })
  raw.push(s)
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  return (s.address() as net.AddressInfo).port
}

describe('veltix --help, --version, bad arguments', () => {
  it('--help on the top level and on every command: usage on stdout, exit 0, even without other arguments', async () => {
    const top = await cli(['--help'])
    expect(top).toMatchObject({ code: 0, stderr: '' })
    expect(top.stdout).toContain('Usage: veltix <command>')
    expect(top.stdout).toContain('Exit codes: 0 ok, 1 unreachable / timeout / failure, 2 bad arguments')
    for (const cmd of ['ping', 'send', 'listen', 'serve']) {
      const r = await cli([cmd, '--help'])
      expect(r.code, cmd).toBe(0)
      expect(r.stdout, cmd).toContain(`Usage: veltix ${cmd}`)
      expect((await cli(['help', cmd])).stdout).toBe(r.stdout)
      // --help wins over a bad argument.
      expect((await cli([cmd, '--nope', '-h'])).stdout).toBe(r.stdout)
    }
    const v = await cli(['--version'])
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  }, 60_000)

  it('bad arguments exit 2 with a message naming the argument on stderr, nothing on stdout', async () => {
    const cases: [string[], string][] = [
      [[], 'missing command'],
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['ping'], 'missing HOST:PORT'],
      [['ping', 'localhost'], "'localhost' is not HOST:PORT"],
      [['ping', '127.0.0.1:99999'], "the port in '127.0.0.1:99999' must be an integer from 1 to 65535"],
      [['ping', '::1:80'], 'brackets'],
      [['ping', '1', '--count', '0'], "--count must be an integer from 1 to 1000000, got '0'"],
      [['ping', '1', '--bogus'], "unknown option '--bogus'"],
      [['ping', '1', 'extra'], "unexpected argument 'extra'"],
      [['send', '1', 'hi'], 'missing --type'],
      [
        ['send', '1', '--type', '5', 'hi'],
        "--type must be an integer from 200 to 65535 (0-199 are the protocol's own), got '5'",
      ],
      [['send', '1', '--type', '200'], 'missing PAYLOAD'],
      [['send', '1', '--type', '200', '--hex', 'abc'], "--hex: 'abc' is not an even number of hex digits"],
      [['send', '1', '--type'], "'--type"],
      [['listen', '--port=70000'], "--port must be an integer from 0 to 65535, got '70000'"],
      [['serve', '--port', '0'], '--echo'],
    ]
    const results = await Promise.all(cases.map(([args]) => cli(args)))
    cases.forEach(([args, message], i) => {
      const r = results[i]!
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stdout, args.join(' ')).toBe('')
      expect(r.stderr, args.join(' ')).toContain(message)
      expect(r.stderr, args.join(' ')).toContain('--help')
    })
  }, 60_000)
})

describe('veltix ping', () => {
  it('prints each round trip in ms and a summary; exit 0', async () => {
    const { s } = await server()
    const r = await cli(['ping', `127.0.0.1:${s.port}`, '--count', '3', '--interval', '0'])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    const lines = r.stdout.trim().split('\n')
    expect(lines.slice(0, 3).map((l) => /seq=(\d) time=(\d+\.\d{3}) ms$/.exec(l)?.[1])).toEqual([
      '1',
      '2',
      '3',
    ])
    expect(lines[3]).toMatch(/^3 sent, 3 received, 0 lost; min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms$/)
  })

  it('--json: one object per line', async () => {
    const { s } = await server()
    const r = await cli(['ping', String(s.port), '-c', '2', '-i', '0', '--json'])
    expect(r.code).toBe(0)
    const out = jsonLines(r.stdout)
    expect(out.map((o) => [o.event, o.seq])).toEqual([
      ['pong', 1],
      ['pong', 2],
      ['summary', undefined],
    ])
    for (const o of out.slice(0, 2)) expect(o.ms).toBeGreaterThanOrEqual(0)
    expect(out[2]).toMatchObject({ sent: 2, received: 2, lost: 0 })
    expect(out[2]!.min as number).toBeLessThanOrEqual(out[2]!.max as number)
  })

  it('unreachable: exit 1, the reason on stderr (or as a JSON error event)', async () => {
    const port = await freePort()
    const r = await cli(['ping', `127.0.0.1:${port}`, '--timeout', '2000'])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain(`veltix ping: cannot reach 127.0.0.1:${port}`)
    const j = await cli(['ping', `127.0.0.1:${port}`, '--json'])
    expect(j.code).toBe(1)
    expect(jsonLines(j.stdout)).toEqual([
      expect.objectContaining({ event: 'error', error: 'unreachable', port }),
    ])
  })

  it('a peer that accepts TCP but never speaks Veltix: exit 1 within --timeout', async () => {
    const silent = net.createServer((socket) => sockets.push(socket))
    raw.push(silent)
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const t0 = Date.now()
    const r = await cli(['ping', String((silent.address() as net.AddressInfo).port), '--timeout', '300'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('cannot reach')
    expect(Date.now() - t0).toBeLessThan(LIMIT)
  })
})

describe('veltix send', () => {
  it('sends one message (type, UTF-8 text) and exits 0; the server gets it', async () => {
    const { s, got } = await server()
    const r = await cli(['send', `127.0.0.1:${s.port}`, '--type', '200', 'héllo ✓'])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toMatch(/^sent type=200 id=0x[0-9a-f]{8} 10 B\n$/)
    await waitFor(() => got.length === 1, 5000, 'the message')
    expect(got[0]!.type.code).toBe(200)
    expect(got[0]!.text()).toBe('héllo ✓')
    expect(r.stdout).toContain(`id=0x${got[0]!.id.toString(16).padStart(8, '0')}`)
  })

  it('--wait prints the reply (type, request id, content); --hex payloads both ways', async () => {
    const { s } = await server(
      (r) =>
        new Request(r.type, Buffer.concat([Buffer.from(r.content), Buffer.from([0])]), { requestId: r.id }),
    )
    const text = await cli(['send', String(s.port), '--type', '300', '--wait', 'abc'])
    expect(text.code).toBe(0)
    // "abc\0" is not printable: shown as hex.
    expect(text.stdout).toMatch(/^reply type=300 id=0x[0-9a-f]{8} 4 B in [\d.]+ ms: hex:61626300\n$/)
    const j = await cli(['send', String(s.port), '--type', '300', '--wait', '--hex', '00ff', '--json'])
    expect(j.code).toBe(0)
    const [reply] = jsonLines(j.stdout)
    expect(reply).toMatchObject({ event: 'reply', type: 300, name: 'type_300', bytes: 3, hex: '00ff00' })
    expect(reply!.id).toEqual(expect.any(Number))
  })

  it('--wait with no reply: exit 1 after --timeout, no request left pending on either side', async () => {
    const { s, got } = await server()
    const r = await cli([
      'send',
      String(s.port),
      '--type',
      '200',
      '--wait',
      '--timeout',
      '300',
      '--json',
      'hello?',
    ])
    expect(r.code).toBe(1)
    const [err] = jsonLines(r.stdout)
    expect(err).toMatchObject({ event: 'error', error: 'timeout' })
    expect(got.map((g) => g.id)).toEqual([err!.id])
    await waitFor(() => s.getAllClients().length === 0, 5000, 'the CLI to disconnect')
  })

  it('unreachable: exit 1', async () => {
    const r = await cli(['send', String(await freePort()), '--type', '200', 'x'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('veltix send: cannot reach')
  })
})

describe('against a Python Veltix 1.6.3 peer (byte level)', () => {
  it('ping and send --wait work; a reply of a type the CLI never declared arrives as UNKNOWN_<code>', async () => {
    const port = await referenceServer()
    const p = await cli(['ping', String(port), '--count', '2', '--interval', '0', '--json'])
    expect(p.code).toBe(0)
    expect(jsonLines(p.stdout).at(-1)).toMatchObject({ event: 'summary', received: 2 })
    const r = await cli(['send', String(port), '--type', '200', '--wait', '--json', 'hi'])
    expect(r.code).toBe(0)
    expect(jsonLines(r.stdout)).toEqual([
      expect.objectContaining({ event: 'reply', type: 250, name: 'UNKNOWN_250', text: 'py: hi' }),
    ])
  })

  it('listen and serve --echo take a reference client: HELLO_ACK, then its frames', async () => {
    const serve = new Running(['serve', '--echo', '--port', '0', '--host', '127.0.0.1', '--json'])
    const port = await serve.port()
    const socket = net.connect(port, '127.0.0.1')
    sockets.push(socket)
    const got = frames(socket)
    await waitFor(() => got.some((f) => f.code === 10), 5000, 'HELLO')
    const hello = got.find((f) => f.code === 10)!
    socket.write(encodeFrame({ code: 11, requestId: hello.requestId, payload: encodeHelloPayload('1.6.3') }))
    // The reference client's frame: code 201, a request id, UTF-8 text.
    socket.write(encodeFrame({ code: 201, requestId: 0x01020304, payload: Buffer.from('from python') }))
    await waitFor(() => got.some((f) => f.code === 201), 5000, 'the echo')
    const echo = got.find((f) => f.code === 201)!
    expect([echo.requestId, Buffer.from(echo.payload).toString()]).toEqual([0x01020304, 'from python'])
    await serve.line((l) => l.includes('"echo"'), 'echo line')
    expect(serve.json('echo')[0]).toMatchObject({ type: 201, id: 0x01020304, text: 'from python' })
    serve.child.kill('SIGTERM')
    expect(await serve.exited).toBe(0)
  })
})

describe('veltix listen', () => {
  it('prints every message (type, id, text or hex) and connects/disconnects; answers pings; SIGTERM exits 0', async () => {
    const listen = new Running(['listen', '--port', '0', '--host', '127.0.0.1', '--json'])
    const port = await listen.port()
    const c = client(port)
    expect(await c.connect()).toBe(true)
    expect(await c.pingServer({ timeout: 5000 })).toEqual(expect.any(Number))
    const text = new Request(new MessageType(200, 'chat'), 'hello listener')
    const bin = new Request(new MessageType(4000, 'blob'), new Uint8Array([1, 2, 0xff]))
    c.getSender().send(text)
    c.getSender().send(bin)
    await listen.line((l) => l.includes('"hex"'), 'the binary message')
    expect(listen.json('message')).toEqual([
      expect.objectContaining({
        type: 200,
        id: text.id,
        bytes: 14,
        text: 'hello listener',
        client: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      }),
      expect.objectContaining({ type: 4000, id: bin.id, bytes: 3, hex: '0102ff' }),
    ])
    expect(listen.json('connect')).toHaveLength(1)
    await c.disconnect()
    await listen.line((l) => l.includes('"disconnect"'), 'disconnect line')
    listen.child.kill('SIGTERM')
    expect(await listen.exited).toBe(0)
  })

  it('--count N exits 0 by itself after N messages; human lines are not coloured on a pipe', async () => {
    const listen = new Running(['listen', '--port', '0', '--host', '127.0.0.1', '--count', '1'])
    const first = await listen.line((l) => l.startsWith('listening on'), 'listening line')
    const port = Number(/:(\d+) /.exec(first)![1])
    const c = client(port)
    await c.connect()
    c.getSender().send(new Request(new MessageType(201, 'x'), 'one'))
    expect(await listen.exited).toBe(0)
    expect(listen.lines.some((l) => /type=201 id=0x[0-9a-f]{8} 3 B "one"$/.test(l))).toBe(true)
    expect(listen.lines.join('\n')).not.toContain('\x1b[')
  })

  it('a reader that goes away (`veltix listen | head -1`): the next line ends it with exit 0, no stack trace', async () => {
    const listen = new Running(['listen', '--port', '0', '--host', '127.0.0.1', '--json'])
    const port = await listen.port()
    listen.child.stdout!.destroy()
    const c = client(port)
    await c.connect()
    c.getSender().send(new Request(new MessageType(200, 'x'), 'anyone?'))
    expect(await listen.exited).toBe(0)
    expect(listen.stderr).toBe('')
  })

  it('a port already in use: exit 1 with the reason', async () => {
    const { s } = await server()
    const r = await cli(['listen', '--port', String(s.port), '--host', '127.0.0.1'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`veltix listen: cannot listen on 127.0.0.1:${s.port}`)
  })
})

describe('veltix serve --echo', () => {
  it('answers sendAndWait with the same type, content and request id; one line per echo', async () => {
    const serve = new Running(['serve', '--echo', '--port', '0', '--host', '127.0.0.1', '--json'])
    const port = await serve.port()
    const c = client(port)
    await c.connect()
    const req = new Request(new MessageType(321, 'q'), 'echo me')
    const reply = await c.sendAndWait(req, { timeout: 5000 })
    expect([reply?.type.code, reply?.id, reply?.text()]).toEqual([321, req.id, 'echo me'])
    await serve.line((l) => l.includes('"echo"'), 'echo line')
    expect(serve.json('echo')).toEqual([expect.objectContaining({ type: 321, id: req.id, text: 'echo me' })])
    const gone = deferred<void>()
    c.setCallback(Events.ON_DISCONNECT, () => gone.resolve())
    serve.child.kill('SIGTERM')
    expect(await serve.exited).toBe(0)
    await gone.promise
  })

  it('the CLI against itself: serve, then ping and send --wait from other veltix processes', async () => {
    const serve = new Running(['serve', '--echo', '--port', '0', '--host', '127.0.0.1', '--json'])
    const port = await serve.port()
    const [p, s] = await Promise.all([
      cli(['ping', String(port), '-i', '0', '--json']),
      cli(['send', String(port), '--type', '222', '--wait', '--json', 'round trip']),
    ])
    expect(p.code).toBe(0)
    expect(s.code).toBe(0)
    expect(jsonLines(s.stdout)[0]).toMatchObject({ event: 'reply', type: 222, text: 'round trip' })
    serve.child.kill('SIGINT')
    expect(await serve.exited).toBe(0)
  })
})

describe('colours', () => {
  it('only on request off a TTY: FORCE_COLOR turns them on, NO_COLOR wins, --json never has them', async () => {
    const { s } = await server()
    const args = ['ping', String(s.port)]
    const [plain, forced, noColor, json] = await Promise.all([
      cli(args),
      cli(args, { FORCE_COLOR: '1' }),
      cli(args, { FORCE_COLOR: '1', NO_COLOR: '1' }),
      cli([...args, '--json'], { FORCE_COLOR: '1' }),
    ])
    for (const r of [plain, forced, noColor, json]) expect(r.code).toBe(0)
    expect(plain.stdout).not.toContain('\x1b[')
    expect(forced.stdout).toContain('\x1b[32m')
    expect(noColor.stdout).not.toContain('\x1b[')
    expect(json.stdout).not.toContain('\x1b[')
    // Same text once the colour codes are taken out.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
    const strip = (t: string) => t.replace(/\x1b\[\d+m/g, '').replace(/time=[\d.]+|= .*/g, '')
    expect(strip(forced.stdout)).toBe(strip(plain.stdout))
  })
})
