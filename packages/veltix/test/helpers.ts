import { type LoggerLike, LogLevel } from '@veltix/logger'
import { Client, type ClientInit, Server, type ServerConfigInit, type SocketCore } from '../src/index.js'

/** A logger that records lines (level name + message) instead of printing them. */
export function captureLogger(): LoggerLike & { lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = []
  const make = (): LoggerLike => {
    const at =
      (level: string) =>
      (msg: unknown): void => {
        lines.push({ level, msg: typeof msg === 'function' ? String(msg()) : String(msg) })
      }
    return {
      isLevelEnabled: (l: LogLevel) => l >= LogLevel.TRACE,
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      success: at('success'),
      warning: at('warning'),
      error: at('error'),
      critical: at('critical'),
      child: () => make(),
    }
  }
  return Object.assign(make(), { lines })
}

/** Polls `check` until it is true; fails after `ms` (generous: the machine is shared). */
export async function waitFor(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export function deferred<T>(): {
  promise: Promise<T>
  resolve: (v: T) => void
  reject: (e: unknown) => void
} {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Servers and clients made by a test, all closed by `closeAllOpen()` (afterEach). */
export class Fixture {
  readonly servers: Server[] = []
  readonly clients: Client[] = []
  constructor(readonly core: SocketCore) {}

  server(init: ServerConfigInit = {}): Server {
    const s = new Server({
      host: '127.0.0.1',
      port: 0,
      socketCore: this.core,
      logger: captureLogger(),
      ...init,
    })
    this.servers.push(s)
    return s
  }

  client(server: Server | number, init: ClientInit = {}): Client {
    const port = typeof server === 'number' ? server : server.port
    const c = new Client({
      serverAddr: '127.0.0.1',
      port,
      socketCore: this.core,
      logger: captureLogger(),
      ...init,
    })
    this.clients.push(c)
    return c
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.disconnect()))
    await Promise.all(this.servers.splice(0).map((s) => s.closeAll()))
  }
}
