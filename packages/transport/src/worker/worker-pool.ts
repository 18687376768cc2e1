import { existsSync } from 'node:fs'
import * as os from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { WorkerCrashError } from '../errors.js'
import {
  type BatchMessage,
  BatchWriter,
  BYTES_RECORD_HEADER,
  FRAME_RECORD_HEADER,
  TO_MAIN_ENCODED,
  TO_WORKER_FRAME,
  TO_WORKER_RAW,
} from './protocol.js'

/** What a worker link calls back on a connection it serves (implemented by WorkerConnection). */
export interface LinkedConnection {
  /** The CRC-32 of a payload sent with `check`, and a copy of it when that matched its header's. */
  onWorkerCrc(crc: number, payload: Buffer | undefined): void
  onWorkerEncoded(bytes: Buffer): void
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

/** Bytes of scratch buffers a worker link keeps for reuse (beyond that they are left to the GC). */
const SCRATCH_POOL_BYTES = 8 * 1024 * 1024

/** The main thread's end of one worker: batches records to it, dispatches the batches it returns. */
export class WorkerLink {
  readonly worker: Worker
  readonly conns = new Map<number, LinkedConnection>()
  readonly #out: BatchWriter
  readonly #batchBytes: number
  #checkKeys: number[] = []
  #checks: ArrayBuffer[] = []
  #checkSizes: number[] = []
  #expected: number[] = []
  /** Scratch buffers for assembling large inbound payloads, reused (fresh memory costs page faults). */
  readonly #scratch: ArrayBuffer[] = []
  #scratchBytes = 0
  #scheduled = false
  #dead: Error | undefined
  #terminating = false

  constructor(script: URL, batchBytes: number) {
    this.#batchBytes = batchBytes
    this.#out = new BatchWriter(16 * 1024)
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

  /** A scratch buffer of at least `size` bytes to assemble a large payload in (give it to `check`). */
  scratch(size: number): ArrayBuffer {
    // The one given back longest ago first: its cache lines are the least likely to be still in the worker's
    // core (writing lines another core holds costs a round of invalidations per line).
    const pool = this.#scratch
    for (let i = 0; i < pool.length; i++) {
      const b = pool[i]!
      if (b.byteLength >= size && b.byteLength <= 4 * size) {
        pool.splice(i, 1)
        this.#scratchBytes -= b.byteLength
        return b
      }
    }
    return new ArrayBuffer(2 ** Math.ceil(Math.log2(size)))
  }

  #keepScratch(b: ArrayBuffer): void {
    if (this.#scratchBytes + b.byteLength > SCRATCH_POOL_BYTES) return
    this.#scratch.push(b)
    this.#scratchBytes += b.byteLength
  }

  /**
   * Sends a large payload (the first `size` bytes of a scratch buffer, transferred: no copy) for its CRC-32,
   * now: the worker starts on it while this thread goes on reading. Answers come back in order.
   */
  check(key: number, scratch: ArrayBuffer, size: number, expected: number): void {
    this.#checkKeys.push(key)
    this.#checks.push(scratch)
    this.#checkSizes.push(size)
    this.#expected.push(expected)
    this.post()
  }

  raw(key: number, frames: Uint8Array): void {
    this.#bytes(TO_WORKER_RAW, key, frames)
    this.#schedule()
  }

  frame(key: number, code: number, requestId: number, payload: Uint8Array, timestamp: number): void {
    const n = payload.length
    const out = this.#out
    let o = out.reserve(FRAME_RECORD_HEADER + n)
    const b = out.buf
    b[o++] = TO_WORKER_FRAME
    o = b.writeUInt32BE(key, o)
    o = b.writeUInt16BE(code, o)
    o = b.writeUInt32BE(requestId, o)
    o = b.writeDoubleBE(timestamp, o)
    o = b.writeUInt32BE(n, o)
    b.set(payload, o)
    out.len = o + n
    this.#schedule()
  }

  #bytes(type: number, key: number, bytes: Uint8Array): void {
    const n = bytes.length
    const out = this.#out
    let o = out.reserve(BYTES_RECORD_HEADER + n)
    const b = out.buf
    b[o++] = type
    o = b.writeUInt32BE(key, o)
    o = b.writeUInt32BE(n, o)
    b.set(bytes, o)
    out.len = o + n
  }

  #schedule(): void {
    if (this.#out.len >= this.#batchBytes) this.post()
    else if (!this.#scheduled) {
      this.#scheduled = true
      queueMicrotask(this.#scheduledPost)
    }
  }

  #scheduledPost = (): void => {
    this.#scheduled = false
    this.post()
  }

  /** Sends what is batched as one message (its buffer transferred). */
  post(): void {
    if (this.#dead !== undefined || this.#terminating) return
    const out = this.#out
    const checks = this.#checks
    if (out.len === 0 && checks.length === 0) return
    const msg: BatchMessage = { buf: undefined, len: 0 }
    const transfer: ArrayBuffer[] = []
    if (out.len > 0) {
      const batch = out.take()
      msg.buf = batch.buf
      msg.len = batch.len
      transfer.push(batch.buf)
    }
    if (checks.length > 0) {
      msg.checkKeys = this.#checkKeys
      msg.checks = checks
      msg.checkSizes = this.#checkSizes
      msg.expected = this.#expected
      for (const c of checks) transfer.push(c)
      this.#checkKeys = []
      this.#checks = []
      this.#checkSizes = []
      this.#expected = []
    }
    this.worker.postMessage(msg, transfer)
  }

  #onMessage = (m: BatchMessage): void => {
    const conns = this.conns
    const checks = m.checks
    if (checks !== undefined) {
      const keys = m.checkKeys!
      const crcs = m.crcs!
      const payloads = m.payloads!
      for (const c of checks) this.#keepScratch(c)
      for (let i = 0; i < checks.length; i++) {
        const p = payloads[i]
        conns.get(keys[i]!)?.onWorkerCrc(crcs[i]!, p === undefined ? undefined : Buffer.from(p))
      }
    }
    if (m.buf === undefined) return
    const b = Buffer.from(m.buf, 0, m.len)
    let i = 0
    while (i < m.len) {
      const type = b[i]!
      if (type !== TO_MAIN_ENCODED) {
        this.#crash(new WorkerCrashError(`corrupt batch from worker: record type ${type}`))
        return
      }
      const n = b.readUInt32BE(i + 5)
      const start = i + BYTES_RECORD_HEADER
      conns.get(b.readUInt32BE(i + 1))?.onWorkerEncoded(b.subarray(start, start + n))
      i = start + n
    }
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

  constructor(
    readonly size: number,
    batchBytes: number,
  ) {
    const script = workerScriptUrl()
    this.links = Array.from({ length: size }, () => new WorkerLink(script, batchBytes))
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

const pools = new Map<string, WorkerPool>()

/** Takes a reference on the shared pool of `size` workers (creating it). */
export function acquirePool(maxWorkers: number | undefined, batchBytes: number): WorkerPool {
  const size = Math.max(1, Math.floor(maxWorkers ?? os.availableParallelism()))
  const id = `${size}/${batchBytes}`
  let pool = pools.get(id)
  if (pool === undefined) {
    pool = new WorkerPool(size, batchBytes)
    pools.set(id, pool)
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
