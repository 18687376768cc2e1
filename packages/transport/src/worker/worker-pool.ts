import { existsSync } from 'node:fs'
import * as os from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { WorkerCrashError } from '../errors.js'
import type { CheckAnswer, CheckRequest } from './protocol.js'

/** What a worker link calls back on a connection it serves (implemented by WorkerConnection). */
export interface LinkedConnection {
  /** The CRC-32 of a payload sent with `check`, and that payload (handed back by the worker). */
  onWorkerCrc(crc: number, payload: Buffer): void
  onWorkerCrash(error: Error): void
}

/** Finds the worker script: next to the bundle (dist/worker.js), or dist/ when running from src/ (tests). */
export function workerScriptUrl(): URL {
  const candidates = [
    new URL('./worker.js', import.meta.url),
    new URL('../../dist/worker.js', import.meta.url),
  ]
  for (const url of candidates) if (existsSync(fileURLToPath(url))) return url
  throw new WorkerCrashError(
    `@veltix/transport: worker script not found (looked for ${candidates.map((u) => fileURLToPath(u)).join(', ')}); build the package`,
  )
}

/** The main thread's end of one worker: sends it payloads to check, dispatches its answers. */
export class WorkerLink {
  readonly worker: Worker
  readonly conns = new Map<number, LinkedConnection>()
  #keys: number[] = []
  #payloads: ArrayBuffer[] = []
  #scheduled = false
  #dead: Error | undefined
  #terminating = false

  constructor(script: URL) {
    this.worker = new Worker(script)
    this.worker.on('message', this.#onMessage)
    this.worker.on('error', (err) =>
      this.#crash(new WorkerCrashError(`worker thread failed: ${err.message}`, { cause: err })),
    )
    this.worker.on('exit', (code) => {
      if (!this.#terminating) this.#crash(new WorkerCrashError(`worker thread exited with code ${code}`))
    })
  }

  get load(): number {
    return this.conns.size
  }

  /** Registers a connection here (a crash of this worker closes it). */
  open(key: number, conn: LinkedConnection): void {
    if (this.#dead !== undefined) {
      const error = this.#dead
      queueMicrotask(() => conn.onWorkerCrash(error))
      return
    }
    this.conns.set(key, conn)
  }

  /** Forgets a connection (answers still on their way to it are dropped). */
  close(key: number): void {
    this.conns.delete(key)
  }

  /**
   * Queues a payload (a buffer of its own, transferred: no copy) for its CRC-32. Posted in the check phase of
   * this loop turn (setImmediate): every payload completed while this poll phase read the sockets travels in
   * one message, so the worker is woken (a cost paid here, tens of µs on a VM) at most once per turn.
   */
  check(key: number, payload: ArrayBuffer): void {
    this.#keys.push(key)
    this.#payloads.push(payload)
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(this.#post)
    }
  }

  #post = (): void => {
    this.#scheduled = false
    if (this.#dead !== undefined || this.#terminating || this.#payloads.length === 0) return
    const payloads = this.#payloads
    const msg: CheckRequest = { keys: this.#keys, payloads }
    this.#keys = []
    this.#payloads = []
    this.worker.postMessage(msg, payloads)
  }

  #onMessage = (m: CheckAnswer): void => {
    const { keys, payloads, crcs } = m
    const conns = this.conns
    for (let i = 0; i < keys.length; i++)
      conns.get(keys[i]!)?.onWorkerCrc(crcs[i]!, Buffer.from(payloads[i]!))
  }

  #crash(error: Error): void {
    if (this.#dead !== undefined || this.#terminating) return
    this.#dead = error
    const conns = [...this.conns.values()]
    this.conns.clear()
    for (const c of conns) c.onWorkerCrash(error)
  }

  async terminate(): Promise<void> {
    this.#terminating = true
    await this.worker.terminate()
  }
}

/** A pool of worker links, shared by every transport asking for the same size; threads end at refcount 0. */
export class WorkerPool {
  readonly links: WorkerLink[]
  refs = 0
  #nextKey = 1

  constructor(readonly size: number) {
    const script = workerScriptUrl()
    this.links = Array.from({ length: size }, () => new WorkerLink(script))
  }

  nextKey(): number {
    const k = this.#nextKey
    this.#nextKey = k >= 0xffff_fffe ? 1 : k + 1
    return k
  }

  /** The least loaded worker. */
  pick(): WorkerLink {
    let best = this.links[0]!
    for (const l of this.links) if (l.load < best.load) best = l
    return best
  }

  terminate(): Promise<void> {
    return Promise.all(this.links.map((l) => l.terminate())).then(() => undefined)
  }
}

const pools = new Map<number, WorkerPool>()

/** Takes a reference on the shared pool of `size` workers (creating it). */
export function acquirePool(maxWorkers: number | undefined): WorkerPool {
  const size = Math.max(1, Math.floor(maxWorkers ?? os.availableParallelism()))
  let pool = pools.get(size)
  if (pool === undefined) {
    pool = new WorkerPool(size)
    pools.set(size, pool)
  }
  pool.refs++
  return pool
}

/** Drops a reference; the last one terminates the threads. */
export async function releasePool(pool: WorkerPool): Promise<void> {
  if (--pool.refs > 0) return
  for (const [id, p] of pools) if (p === pool) pools.delete(id)
  await pool.terminate()
}
