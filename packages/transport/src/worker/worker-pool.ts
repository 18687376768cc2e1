import { existsSync } from 'node:fs'
import * as os from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { WorkerCrashError } from '../errors.js'
import {
  ACK_RECORD_SIZE,
  type BatchMessage,
  BatchWriter,
  BYTES_RECORD_HEADER,
  FRAME_RECORD_HEADER,
  SYNC_RECORD_SIZE,
  TO_MAIN_ACK,
  TO_MAIN_ENCODED,
  TO_MAIN_ERROR,
  TO_MAIN_FRAME,
  TO_WORKER_DATA,
  TO_WORKER_FRAME,
  TO_WORKER_RAW,
  TO_WORKER_SYNC,
} from './protocol.js'

/** What a worker link calls back on a connection it serves (implemented by WorkerConnection). */
export interface LinkedConnection {
  onWorkerFrame(code: number, requestId: number, timestamp: number, payload: Buffer): void
  onWorkerError(
    kind: number,
    code: number,
    size: number,
    expected: number,
    actual: number,
    rid: number,
    limit: number,
  ): void
  /** `boundary`: the worker holds no partial frame of this connection. */
  onWorkerAck(bytes: number, boundary: boolean): void
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

/** The main thread's end of one worker: batches records to it, dispatches the batches it returns. */
export class WorkerLink {
  readonly worker: Worker
  readonly conns = new Map<number, LinkedConnection>()
  readonly #out: BatchWriter
  readonly #batchBytes: number
  #opens: Array<{ key: number; maxMessageSize: number }> = []
  #closes: number[] = []
  #scheduled = false
  #late = false
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

  /** Registers a connection here (a crash of this worker closes it); the worker hears of it on `activate`. */
  open(key: number, conn: LinkedConnection): void {
    if (this.#dead !== undefined) {
      const error = this.#dead
      queueMicrotask(() => conn.onWorkerCrash(error))
      return
    }
    this.conns.set(key, conn)
  }

  /** Tells the worker about a connection, before its first record (an idle one costs the worker nothing). */
  activate(key: number, maxMessageSize: number): void {
    this.#opens.push({ key, maxMessageSize })
    this.#schedule()
  }

  /** Forgets a connection; `active`: the worker knew of it. */
  close(key: number, active: boolean): void {
    if (!this.conns.delete(key) || !active) return
    this.#closes.push(key)
    this.#schedule()
  }

  data(key: number, chunk: Uint8Array): void {
    this.#bytes(TO_WORKER_DATA, key, chunk)
    this.#scheduleLate()
  }

  /** Asks the worker to acknowledge what it has of `key` now (it otherwise holds acks mid-frame). */
  sync(key: number): void {
    const o = this.#out.reserve(SYNC_RECORD_SIZE)
    this.#out.buf[o] = TO_WORKER_SYNC
    this.#out.len = this.#out.buf.writeUInt32BE(key, o + 1)
    this.#schedule()
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

  /**
   * Inbound bytes: posted in the check phase of this loop turn (setImmediate, not a timer), so that every
   * chunk read in one poll phase (libuv reads a busy socket several times per turn) travels in one message.
   */
  #scheduleLate(): void {
    if (this.#out.len >= this.#batchBytes) this.post()
    else if (!this.#scheduled && !this.#late) {
      this.#late = true
      setImmediate(this.#latePost)
    }
  }

  #latePost = (): void => {
    this.#late = false
    this.post()
  }

  /** Sends what is batched as one message (its buffer transferred). */
  post(): void {
    if (this.#dead !== undefined || this.#terminating) return
    const out = this.#out
    if (out.len === 0 && this.#opens.length === 0 && this.#closes.length === 0) return
    const msg: BatchMessage = { buf: undefined, len: 0 }
    const transfer: ArrayBuffer[] = []
    if (out.len > 0) {
      const batch = out.take()
      msg.buf = batch.buf
      msg.len = batch.len
      transfer.push(batch.buf)
    }
    if (this.#opens.length > 0) {
      msg.opens = this.#opens
      this.#opens = []
    }
    if (this.#closes.length > 0) {
      msg.closes = this.#closes
      this.#closes = []
    }
    this.worker.postMessage(msg, transfer)
  }

  #onMessage = (m: BatchMessage): void => {
    if (m.buf === undefined) return
    const b = Buffer.from(m.buf, 0, m.len)
    const conns = this.conns
    let i = 0
    while (i < m.len) {
      const type = b[i]!
      const conn = conns.get(b.readUInt32BE(i + 1))
      if (type === TO_MAIN_FRAME) {
        const n = b.readUInt32BE(i + 19)
        const start = i + FRAME_RECORD_HEADER
        conn?.onWorkerFrame(
          b.readUInt16BE(i + 5),
          b.readUInt32BE(i + 7),
          b.readDoubleBE(i + 11),
          b.subarray(start, start + n),
        )
        i = start + n
      } else if (type === TO_MAIN_ENCODED) {
        const n = b.readUInt32BE(i + 5)
        const start = i + BYTES_RECORD_HEADER
        conn?.onWorkerEncoded(b.subarray(start, start + n))
        i = start + n
      } else if (type === TO_MAIN_ACK) {
        conn?.onWorkerAck(b.readUInt32BE(i + 5), b[i + 9] === 1)
        i += ACK_RECORD_SIZE
      } else if (type === TO_MAIN_ERROR) {
        conn?.onWorkerError(
          b[i + 5]!,
          b.readUInt16BE(i + 6),
          b.readUInt32BE(i + 8),
          b.readUInt32BE(i + 12),
          b.readUInt32BE(i + 16),
          b.readUInt32BE(i + 20),
          b.readDoubleBE(i + 24),
        )
        i += 32
      } else {
        this.#crash(new WorkerCrashError(`corrupt batch from worker: record type ${type}`))
        return
      }
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
