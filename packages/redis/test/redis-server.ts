import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { describe } from 'vitest'

/** The redis-server binary on PATH (or /usr/bin), or undefined when there is none. */
export const REDIS_SERVER: string | undefined = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
})()

/**
 * `describe` when redis-server is installed. Without it: a failure under CI=true (CI must run these), else
 * a skip with one clear line saying how to get it.
 */
export function describeWithRedis(name: string, fn: () => void): void {
  if (REDIS_SERVER !== undefined) {
    describe(name, fn)
    return
  }
  const how =
    'install it (apt-get install redis-server, brew install redis, or docker run -p 6379:6379 redis:7)'
  if (process.env.CI === 'true') {
    describe(name, () => {
      throw new Error(`redis-server was not found on PATH: CI needs it for @veltix/redis; ${how}`)
    })
    return
  }
  console.warn(`[@veltix/redis] SKIPPED "${name}": redis-server was not found on PATH; ${how}`)
  describe.skip(name, fn)
}

/** A free loopback TCP port (bound, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** A real redis-server on a free loopback port, without persistence; killed and restarted at will. */
export class RedisServer {
  readonly port: number
  #proc: ChildProcess | undefined

  private constructor(port: number) {
    this.port = port
  }

  static async start(): Promise<RedisServer> {
    const r = await RedisServer.reserve()
    await r.restart()
    return r
  }

  /** A free port for a redis-server not started yet (`restart()` starts it). */
  static async reserve(): Promise<RedisServer> {
    return new RedisServer(await freePort())
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  get running(): boolean {
    return this.#proc !== undefined
  }

  /** Starts it (again, on the same port); resolves once it accepts connections. */
  async restart(): Promise<void> {
    if (this.#proc !== undefined) return
    const proc = spawn(
      REDIS_SERVER!,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    this.#proc = proc
    let out = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000)
      proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      })
      proc.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`redis-server exited (${code}):\n${out}`))
      })
    })
    proc.removeAllListeners('exit')
    proc.stdout!.resume()
    proc.stderr!.resume()
  }

  /** Kills it at once (SIGKILL, as a crash) and waits for it to be gone. */
  async kill(): Promise<void> {
    const proc = this.#proc
    if (proc === undefined) return
    this.#proc = undefined
    if (proc.exitCode !== null || proc.signalCode !== null) return
    const gone = new Promise((resolve) => proc.once('exit', resolve))
    proc.kill('SIGKILL')
    await gone
  }
}
