import { type ChildProcess, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Agent, type AgentMethod, createAgent } from './agent.js'
import { CHILD_EXIT_TIMEOUT_MS } from './constants.js'
import { ChildProcessError } from './errors.js'

/** A process (or, in-process, an object) running one agent: the parent calls its methods. */
export interface AgentHandle {
  readonly pid: number
  call<M extends AgentMethod>(
    method: M,
    args: Parameters<Agent[M]>[0],
  ): Promise<Awaited<ReturnType<Agent[M]>>>
  /** Progress of the call running now (0..1), as reported by the agent. */
  onProgress: ((fraction: number) => void) | undefined
  close(): Promise<void>
}

export interface SpawnOptions {
  inProcess: boolean
  /** Directory for a V8 CPU profile of this child. */
  cpuProf?: string | undefined
  /** A name for the profile file and error messages (e.g. "server-veltix-loop"). */
  label: string
  /**
   * Open files the child needs (sockets): it is started through `/bin/sh -c 'ulimit -n N; exec node …'`
   * (a shell can raise its own soft limit up to the hard one, and root the hard one too); the child checks
   * what it got (`fdLimit` agent method).
   */
  fdLimit?: number | undefined
}

/** Messages on the IPC channel. */
type ToChild = { type: 'call'; id: number; method: AgentMethod; args: unknown } | { type: 'exit' }
type FromChild =
  | { type: 'ready' }
  | { type: 'progress'; value: number }
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: { name: string; message: string; stack?: string } }

/** The child script: next to this module once built; from the sources (tests), the built one in dist. */
export function childScriptPath(): string {
  const here = fileURLToPath(new URL('./child.js', import.meta.url))
  if (existsSync(here)) return here
  const built = fileURLToPath(new URL('../dist/child.js', import.meta.url))
  if (existsSync(built)) return built
  throw new ChildProcessError(
    `cannot find the benchmark child script (looked for ${here} and ${built}): build first`,
  )
}

/** Starts an agent in a forked child process (default) or in this process. */
export async function spawnAgent(opts: SpawnOptions): Promise<AgentHandle> {
  return opts.inProcess ? new LocalAgent() : ForkedAgent.start(opts)
}

class LocalAgent implements AgentHandle {
  readonly pid = process.pid
  onProgress: ((fraction: number) => void) | undefined
  readonly #agent = createAgent((f) => this.onProgress?.(f))

  call<M extends AgentMethod>(
    method: M,
    args: Parameters<Agent[M]>[0],
  ): Promise<Awaited<ReturnType<Agent[M]>>> {
    const fn = this.#agent[method] as (a: unknown) => Promise<Awaited<ReturnType<Agent[M]>>>
    return fn(args)
  }

  async close(): Promise<void> {
    await this.#agent.clientsClose()
    await this.#agent.serverStop()
  }
}

class ForkedAgent implements AgentHandle {
  onProgress: ((fraction: number) => void) | undefined
  readonly #child: ChildProcess
  readonly #label: string
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  #nextId = 1
  #exited = false
  readonly #exitPromise: Promise<void>

  private constructor(child: ChildProcess, label: string) {
    this.#child = child
    this.#label = label
    this.#exitPromise = new Promise((resolve) => {
      child.once('exit', (code, sig) => {
        this.#exited = true
        const err = new ChildProcessError(`benchmark child "${label}" exited (code ${code}, signal ${sig})`)
        for (const p of this.#pending.values()) p.reject(err)
        this.#pending.clear()
        resolve()
      })
    })
    child.on('message', (m: FromChild) => {
      if (m.type === 'progress') this.onProgress?.(m.value)
      else if (m.type === 'result') {
        const p = this.#pending.get(m.id)
        if (p === undefined) return
        this.#pending.delete(m.id)
        if (m.ok) p.resolve(m.result)
        else {
          const err = new ChildProcessError(`${label}: ${m.error.name}: ${m.error.message}`)
          if (m.error.stack) err.stack = `${err.stack}\n--- in the child:\n${m.error.stack}`
          p.reject(err)
        }
      }
    })
  }

  static async start(opts: SpawnOptions): Promise<ForkedAgent> {
    const execArgv = ['--expose-gc']
    // Extra Node/V8 flags for the children when investigating (e.g. "--trace-gc --trace-deopt").
    const extra = process.env.VELTIX_BENCH_EXEC_ARGV
    if (extra !== undefined && extra.trim() !== '') execArgv.push(...extra.trim().split(/\s+/))
    if (opts.cpuProf !== undefined) {
      execArgv.push(
        '--cpu-prof',
        `--cpu-prof-dir=${opts.cpuProf}`,
        `--cpu-prof-name=${opts.label}-${Date.now()}.cpuprofile`,
      )
    }
    let execPath: string | undefined
    if (opts.fdLimit !== undefined) {
      // fork runs `execPath ...execArgv script`: the shell raises the limit, then becomes node.
      const n = Math.ceil(opts.fdLimit)
      execArgv.unshift(
        '-c',
        `ulimit -n ${n} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`,
        process.execPath,
      )
      execPath = '/bin/sh'
    }
    const child = fork(childScriptPath(), [], {
      ...(execPath === undefined ? {} : { execPath }),
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const agent = new ForkedAgent(child, opts.label)
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: FromChild): void => {
        if (m.type !== 'ready') return
        child.off('message', onMessage)
        child.off('exit', onExit)
        resolve()
      }
      const onExit = (code: number | null): void => {
        child.off('message', onMessage)
        reject(new ChildProcessError(`benchmark child "${opts.label}" exited during start-up (code ${code})`))
      }
      child.on('message', onMessage)
      child.once('exit', onExit)
    })
    return agent
  }

  get pid(): number {
    return this.#child.pid ?? -1
  }

  call<M extends AgentMethod>(
    method: M,
    args: Parameters<Agent[M]>[0],
  ): Promise<Awaited<ReturnType<Agent[M]>>> {
    if (this.#exited)
      return Promise.reject(new ChildProcessError(`benchmark child "${this.#label}" has exited`))
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      const msg: ToChild = { type: 'call', id, method, args }
      // A child killed (by an abort, or a crash) between the check above and now: reject, never throw.
      this.#child.send(msg, (err) => {
        if (err === null || !this.#pending.delete(id)) return
        reject(new ChildProcessError(`benchmark child "${this.#label}" is gone: ${err.message}`))
      })
    })
  }

  async close(): Promise<void> {
    if (this.#exited) return
    const msg: ToChild = { type: 'exit' }
    // The channel may already be closed (the child is being killed by an abort): then just wait for the exit.
    if (this.#child.connected) this.#child.send(msg, () => {})
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), CHILD_EXIT_TIMEOUT_MS)
    await this.#exitPromise
    clearTimeout(timer)
  }
}
