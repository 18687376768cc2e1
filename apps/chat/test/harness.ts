import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url))

/** A demo process under test: its stdout collected line by line, stdin to type into, stopped by its PID. */
export class Proc {
  readonly child: ChildProcessWithoutNullStreams
  out = ''
  readonly exited: Promise<number | null>

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [MAIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: 'pipe',
    })
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      this.out += d
    })
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.out += d
    })
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)))
  }

  type(line: string): void {
    this.child.stdin.write(`${line}\n`)
  }

  /** Waits until the output (from `from` on) matches; fails with the output so far after `ms`. */
  async waitFor(pattern: RegExp | string, ms = 5000, from = 0): Promise<RegExpMatchArray> {
    const re =
      typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern
    const deadline = Date.now() + ms
    for (;;) {
      const m = this.out.slice(from).match(re)
      if (m !== null) return m
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in output:\n${this.out}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  /** Stops the process by its own PID (SIGTERM, then SIGKILL) and waits for it. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    process.kill(this.child.pid!, signal)
    const timer = setTimeout(
      () => this.child.pid && this.child.exitCode === null && process.kill(this.child.pid, 'SIGKILL'),
      3000,
    )
    await this.exited
    clearTimeout(timer)
  }
}
