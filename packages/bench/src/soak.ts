import { type ChildProcess, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ChildProcessError } from './errors.js'
import type { SoakClientsArgs, SoakClientsReport, SoakServerArgs, SoakServerReport } from './soak-child.js'
import { SOAK_FAULTS, SoakProxy } from './soak-proxy.js'

/**
 * `veltix-bench --soak SECONDS`: a Veltix server in one child process, `clients` clients spread over
 * `processes` more, all connected through a fault-injecting proxy (this process) that cuts, delays, stalls
 * and flips bits on random connections. Each client sends numbered messages; the server counts each number
 * once, so the summary can say what was sent, delivered, duplicated and lost, and how much of the loss the
 * library's `stats()` counted.
 */
export interface SoakOptions {
  seconds: number
  clients: number
  processes: number
  /** ms between two messages of one client. */
  intervalMs: number
  /** Faults injected per second (over all connections). */
  faultsPerSecond: number
  /** `resume: true` on the clients and `resume: {...}` on the server. */
  resume: boolean
  /** ms to wait after the last send for what is still in flight. */
  settleMs: number
}

export const DEFAULT_SOAK: Omit<SoakOptions, 'seconds'> = {
  clients: 200,
  processes: 4,
  intervalMs: 100,
  faultsPerSecond: 10,
  resume: false,
  settleMs: 3000,
}

export interface SoakSummary {
  options: SoakOptions
  /** Sends the clients' `send()` accepted. */
  sent: number
  /** Sends refused at once (not connected, queue full): not sent, so not lost. */
  refused: number
  delivered: number
  duplicated: number
  reordered: number
  /** sent − delivered. */
  lost: number
  /** The part of `lost` the stats counted: the server's dropped frames (checksum, truncated, ...). */
  countedLoss: number
  droppedFrames: Record<string, number>
  /** client `messagesOut` − server `messagesIn`: in flight when a link died (or counted above). */
  statsGap: number
  reconnects: number
  faults: Record<string, number>
  rssHighWater: number
}

/** The resume key is not in this build (it throws `UnavailableOptionError`). */
export class ResumeUnavailableError extends Error {
  readonly code = 'VELTIX_ERR_BENCH_RESUME_UNAVAILABLE'
  constructor(cause: string) {
    super(`--resume: resumable connections are unavailable in this veltix build (${cause})`)
    this.name = 'ResumeUnavailableError'
  }
}

class SoakChild {
  readonly #child: ChildProcess
  readonly #waiting: ((m: {
    ok: boolean
    port?: number
    report?: unknown
    error?: { name: string; code?: string; message: string }
  }) => void)[] = []
  readonly exited: Promise<void>
  constructor() {
    const here = fileURLToPath(new URL('./soak-child.js', import.meta.url))
    const script = existsSync(here) ? here : fileURLToPath(new URL('../dist/soak-child.js', import.meta.url))
    this.#child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.exited = new Promise((r) => this.#child.once('exit', () => r()))
    this.#child.on('message', (m: { ready?: boolean }) => {
      if (m.ready !== true) this.#waiting.shift()?.(m as never)
    })
  }

  call<T>(op: string, args?: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onExit = (): void => reject(new ChildProcessError(`soak child exited during "${op}"`))
      this.#child.once('exit', onExit)
      this.#waiting.push((m) => {
        this.#child.off('exit', onExit)
        if (!m.ok) {
          const e = new Error(m.error?.message) as Error & { code?: string }
          e.name = m.error?.name ?? 'Error'
          e.code = m.error?.code
          reject(e)
        } else resolve((op === 'report' ? m.report : m.port) as T)
      })
      this.#child.send({ op, args })
    })
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.connected) this.#child.send({ op: 'stop' })
    const t = setTimeout(() => this.#child.kill('SIGKILL'), 5000)
    await this.exited
    clearTimeout(t)
  }
}

export async function runSoak(o: SoakOptions, progress?: (line: string) => void): Promise<SoakSummary> {
  const children: SoakChild[] = []
  let proxy: SoakProxy | undefined
  let faultTimer: ReturnType<typeof setInterval> | undefined
  const faults = (): void => {
    if (faultTimer !== undefined) clearInterval(faultTimer)
    faultTimer = undefined
  }
  try {
    const server = new SoakChild()
    children.push(server)
    const port = await server
      .call<number>('start', { role: 'server', resume: o.resume } satisfies SoakServerArgs)
      .catch(unavailable)
    proxy = new SoakProxy(port)
    await proxy.listen()
    const groups: SoakChild[] = []
    const per = Math.ceil(o.clients / o.processes)
    for (let first = 0; first < o.clients; first += per) {
      const c = new SoakChild()
      children.push(c)
      groups.push(c)
      const args: SoakClientsArgs = {
        role: 'clients',
        port: proxy.port,
        first,
        count: Math.min(per, o.clients - first),
        intervalMs: o.intervalMs,
        seconds: o.seconds,
        resume: o.resume,
      }
      await c.call('start', args).catch(unavailable)
    }
    progress?.(`soak: ${o.clients} clients connected in ${groups.length} processes; ${o.seconds} s of faults`)
    const p = proxy
    faultTimer = setInterval(
      () => p.inject(SOAK_FAULTS[Math.floor(Math.random() * SOAK_FAULTS.length)]!),
      1000 / o.faultsPerSecond,
    )
    await Promise.all(groups.map((g) => g.call('run')))
    faults()
    progress?.(`soak: sending done; ${o.settleMs} ms for what is in flight`)
    await new Promise((r) => setTimeout(r, o.settleMs))
    const s = await server.call<SoakServerReport>('report')
    const cs = await Promise.all(groups.map((g) => g.call<SoakClientsReport>('report')))
    const sum = (k: keyof SoakClientsReport): number => cs.reduce((a, r) => a + r[k], 0)
    const countedLoss = Object.values(s.droppedFrames).reduce((a, v) => a + v, 0)
    const sent = sum('sent')
    return {
      options: o,
      sent,
      refused: sum('refused'),
      delivered: s.delivered,
      duplicated: s.duplicated,
      reordered: s.reordered,
      lost: sent - s.delivered,
      countedLoss,
      droppedFrames: s.droppedFrames,
      statsGap: sum('messagesOut') - s.messagesIn,
      reconnects: sum('reconnects'),
      faults: { ...proxy.injected },
      rssHighWater: s.rssHighWater,
    }
  } finally {
    faults()
    await Promise.all(children.map((c) => c.stop()))
    await proxy?.close()
  }
}

function unavailable(e: Error): never {
  if ((e as { code?: string }).code === 'VELTIX_ERR_OPTION_UNAVAILABLE')
    throw new ResumeUnavailableError(e.message)
  throw e
}

/** The summary as a Markdown table (what the README shows). */
export function renderSoak(s: SoakSummary): string {
  const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`
  const f = Object.entries(s.faults)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
  const d = Object.entries(s.droppedFrames)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
  const counted = `${s.countedLoss}${d === '' ? '' : ` (${d})`}`
  const rows: [string, string][] = [
    [
      'clients / seconds / resume',
      `${s.options.clients} / ${s.options.seconds} / ${s.options.resume ? 'on' : 'off'}`,
    ],
    ['faults injected', f],
    ['sent (accepted by send())', String(s.sent)],
    ['refused by send() (not connected, queue full)', String(s.refused)],
    ['delivered (once each)', String(s.delivered)],
    ['duplicated', String(s.duplicated)],
    ['out of order', String(s.reordered)],
    ['lost (sent − delivered)', String(s.lost)],
    ...((s.options.resume
      ? [['frames dropped, then replayed (server stats().droppedFrames)', counted]]
      : [
          ['of which counted frame by frame (server stats().droppedFrames)', counted],
          [
            'of which in flight when a link died (stats: messagesOut − messagesIn − counted)',
            String(s.statsGap - s.countedLoss),
          ],
        ]) as [string, string][]),
    ['reconnects', String(s.reconnects)],
    ['server RSS high-water', mib(s.rssHighWater)],
  ]
  return ['| soak | |', '| --- | ---: |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n')
}
