import fs from 'node:fs'
import path from 'node:path'
import { LogFileConflictError, LogFileOpenError, LogFileWriteError } from './errors.js'

/** Counters of one log file's writer, from `Logger.getWriterStats()`. */
export interface WriterStats {
  /** Absolute path of the current log file. */
  readonly path: string
  /** Bytes handed to the operating system since the file was opened by this process. */
  readonly bytesWritten: number
  /** Rotations performed (`file` → `file.1` …). */
  readonly rotations: number
  /** Characters of lines accepted but not yet handed to a write call. */
  readonly pendingChars: number
  /** Highest `pendingChars` seen: bounded by `bufferSize` plus one line. */
  readonly peakPendingChars: number
  /** Times the async writer hit `bufferSize` and wrote synchronously instead of growing (backpressure). */
  readonly blockingFlushes: number
  /** Write calls issued (async and sync); far fewer than lines in async mode, where lines are batched. */
  readonly writeCalls: number
  /** Write, rotate or open failures reported to `onError`. */
  readonly errors: number
}

export interface FileSinkOptions {
  rotationSize: number
  backupCount: number
  bufferSize: number
  onError: (err: LogFileWriteError) => void
}

interface Batch {
  fd: number
  buf: Buffer
  pos: number
}

interface Inflight extends Batch {
  /** Bytes of `buf` already written. */
  done: number
}

const { O_WRONLY, O_CREAT, O_TRUNC } = fs.constants

/** One writer per file and process: loggers that name the same file share it (reference-counted). */
const sinks = new Map<string, FileSink>()
let exitHookInstalled = false

/** On exit only synchronous work runs: write out everything still pending, in every open file. */
function onProcessExit(): void {
  for (const sink of sinks.values()) sink.finishSync()
}

/**
 * Opens (or shares) the writer of `filePath`. Throws `LogFileOpenError` when the file cannot be opened, and
 * `LogFileConflictError` when it is already open with other rotation settings.
 */
export function acquireFileSink(filePath: string, options: FileSinkOptions): FileSink {
  const resolved = path.resolve(filePath)
  const existing = sinks.get(resolved)
  if (existing) {
    if (existing.rotationSize !== options.rotationSize || existing.backupCount !== options.backupCount) {
      throw new LogFileConflictError(
        resolved,
        { rotationSize: existing.rotationSize, backupCount: existing.backupCount },
        { rotationSize: options.rotationSize, backupCount: options.backupCount },
      )
    }
    existing.refs++
    return existing
  }
  const sink = new FileSink(resolved, options)
  sinks.set(resolved, sink)
  if (!exitHookInstalled) {
    process.on('exit', onProcessExit)
    exitHookInstalled = true
  }
  return sink
}

/** What the exit hook does, callable directly (tests, or an application's own synchronous shutdown path). */
export function flushAllFileSinksSync(): void {
  onProcessExit()
}

function forget(sink: FileSink): void {
  if (sinks.get(sink.path) === sink) sinks.delete(sink.path)
  if (sinks.size === 0 && exitHookInstalled) {
    process.off('exit', onProcessExit)
    exitHookInstalled = false
  }
}

/**
 * Appends lines to a size-rotated file.
 *
 * Every write is positional: a batch reserves its byte range (`#size`) when it is taken from the queue, so
 * synchronous writes (sync mode, backpressure, exit) may run while an asynchronous write is still in flight
 * without reordering or overlapping anything, and rewriting an in-flight range at exit is idempotent.
 * Lines are taken whole, and a file is rotated before a line that would carry it past `rotationSize`, so no line
 * is split across files and no file exceeds the limit (except a single line longer than the limit, alone in its
 * file). Everything runs on the one JS thread, so rotation never races a writer.
 */
export class FileSink {
  readonly path: string
  readonly rotationSize: number
  readonly backupCount: number
  refs = 1
  #bufferSize: number
  #onError: (err: LogFileWriteError) => void
  #fd: number | null = null
  /** Bytes reserved in the current file: written, in flight, or taken into a batch. */
  #size = 0
  /**
   * Size past which the next line rotates: `rotationSize`, or after a failed rotation one more `rotationSize`
   * further, so a rotation that keeps failing is retried (and reported) once per file's worth, not once per line.
   */
  #limit: number
  #pending: string[] = []
  #pendingChars = 0
  #inflight: Inflight | null = null
  /** The pre-rotation fd, closed once its in-flight write completes. */
  #deferredClose: number | null = null
  #scheduled = false
  #closing: Promise<void> | null = null
  #waiters: Array<() => void> = []
  #stats = {
    bytesWritten: 0,
    rotations: 0,
    peakPendingChars: 0,
    blockingFlushes: 0,
    writeCalls: 0,
    errors: 0,
  }

  constructor(resolvedPath: string, options: FileSinkOptions) {
    this.path = resolvedPath
    this.rotationSize = options.rotationSize
    this.backupCount = options.backupCount
    this.#limit = options.rotationSize
    this.#bufferSize = options.bufferSize
    this.#onError = options.onError
    try {
      fs.mkdirSync(path.dirname(resolvedPath), { recursive: true })
      const fd = fs.openSync(resolvedPath, O_WRONLY | O_CREAT, 0o644)
      try {
        this.#size = fs.fstatSync(fd).size
      } catch (err) {
        fs.closeSync(fd)
        throw err
      }
      this.#fd = fd
    } catch (err) {
      throw new LogFileOpenError(resolvedPath, { cause: err })
    }
  }

  get stats(): WriterStats {
    return { path: this.path, pendingChars: this.#pendingChars, ...this.#stats }
  }

  /** Queues one line (ending in `\n`). `sync`: it is in the file when this returns. */
  write(line: string, sync: boolean): void {
    this.#pending.push(line)
    this.#pendingChars += line.length
    if (this.#pendingChars > this.#stats.peakPendingChars) this.#stats.peakPendingChars = this.#pendingChars
    if (sync) {
      this.flushSync()
    } else if (this.#pendingChars > this.#bufferSize) {
      // Backpressure: the producer outruns the disk. Block here rather than drop lines or grow without bound.
      this.#stats.blockingFlushes++
      this.flushSync()
    } else if (!this.#scheduled && this.#inflight === null) {
      this.#scheduled = true
      setImmediate(this.#drain)
    }
  }

  /** Resolves once every line accepted so far has been handed to the operating system. */
  flush(): Promise<void> {
    if (this.#pending.length === 0 && this.#inflight === null) return Promise.resolve()
    return new Promise((resolve) => {
      this.#waiters.push(resolve)
      if (!this.#scheduled && this.#inflight === null) {
        this.#scheduled = true
        setImmediate(this.#drain)
      }
    })
  }

  /** Writes every pending line now, synchronously. */
  flushSync(): void {
    for (let batch = this.#takeBatch(); batch !== null; batch = this.#takeBatch()) {
      this.#writeSync(batch.fd, batch.buf, 0, batch.pos)
    }
    if (this.#inflight === null) this.#settle()
  }

  /** Exit path: also rewrites the in-flight range synchronously (same bytes, same place), as the process may end first. */
  finishSync(): void {
    const w = this.#inflight
    if (w !== null) this.#writeSync(w.fd, w.buf, w.done, w.pos + w.done)
    this.flushSync()
  }

  /**
   * Drops one reference; resolves once every line accepted so far is written. The last reference also fsyncs and
   * closes the file.
   */
  release(): Promise<void> {
    if (this.refs > 0) this.refs--
    if (this.refs > 0) return this.flush()
    this.#closing ??= this.#close()
    return this.#closing
  }

  /** Drops one reference; the last one writes everything synchronously and closes the file. */
  releaseSync(): void {
    if (this.refs > 0) this.refs--
    if (this.refs > 0) return
    this.finishSync()
    this.#closeFd()
    forget(this)
  }

  async #close(): Promise<void> {
    try {
      await this.flush()
      // Reacquired while flushing: keep the file open for the new owner.
      if (this.refs > 0) return
      const fd = this.#fd
      if (fd !== null) {
        this.#fd = null
        await new Promise<void>((resolve) => {
          fs.fsync(fd, () => fs.close(fd, () => resolve()))
        })
      }
      if (this.refs === 0) forget(this)
    } finally {
      this.#closing = null
    }
  }

  #closeFd(): void {
    const fd = this.#fd
    this.#fd = null
    if (fd === null) return
    if (this.#inflight !== null && this.#inflight.fd === fd) this.#deferredClose = fd
    else this.#closeQuietly(fd)
  }

  #closeQuietly(fd: number): void {
    try {
      fs.closeSync(fd)
    } catch (err) {
      this.#report('close', 0, err)
    }
  }

  #drain = (): void => {
    this.#scheduled = false
    if (this.#inflight !== null) return // its completion drains again
    const batch = this.#takeBatch()
    if (batch === null) {
      this.#settle()
      return
    }
    this.#startWrite({ ...batch, done: 0 })
  }

  #startWrite(w: Inflight): void {
    this.#inflight = w
    this.#stats.writeCalls++
    fs.write(w.fd, w.buf, w.done, w.buf.length - w.done, w.pos + w.done, (err, written) => {
      if (err) {
        this.#report('write', w.buf.length - w.done, err)
      } else {
        this.#stats.bytesWritten += written
        w.done += written
        if (w.done < w.buf.length) {
          this.#startWrite(w) // short write: continue where it stopped
          return
        }
      }
      this.#inflight = null
      if (this.#deferredClose === w.fd) {
        this.#deferredClose = null
        this.#closeQuietly(w.fd)
      }
      this.#drain()
    })
  }

  #writeSync(fd: number, buf: Buffer, from: number, pos: number): void {
    let done = from
    try {
      while (done < buf.length) {
        this.#stats.writeCalls++
        done += fs.writeSync(fd, buf, done, buf.length - done, pos + (done - from))
      }
      this.#stats.bytesWritten += done - from
    } catch (err) {
      this.#stats.bytesWritten += done - from
      this.#report('write', buf.length - done, err)
    }
  }

  /**
   * Takes the longest run of whole pending lines that fits in the current file, rotating first when not even the
   * next line fits, and reserves its byte range. Null when nothing is pending.
   */
  #takeBatch(): Batch | null {
    const pending = this.#pending
    if (pending.length === 0) return null
    if (this.#fd === null && !this.#reopen()) {
      this.#report('write', Buffer.byteLength(pending.join('')), new Error('log file is not open'))
      this.#pending = []
      this.#pendingChars = 0
      return null
    }
    // A character is at least one byte, so lines past `room` characters cannot fit: encode only those before.
    const room = this.#limit - this.#size
    let m = 0
    let chars = 0
    if (this.#pendingChars <= room) {
      m = pending.length // the usual case: everything may fit
      chars = this.#pendingChars
    } else {
      while (m < pending.length) {
        const c = (pending[m] as string).length
        if (chars + c > room && m > 0) break
        chars += c
        m++
      }
    }
    let buf = Buffer.from(m === 1 ? (pending[0] as string) : pending.slice(0, m).join(''), 'utf8')
    if (this.#size + buf.length > this.#limit) {
      // Find the cut in bytes (multi-byte characters), line by line.
      let k = 0
      let bytes = 0
      chars = 0
      for (; k < m; k++) {
        const line = pending[k] as string
        const n = Buffer.byteLength(line)
        if (this.#size + bytes + n > this.#limit) break
        bytes += n
        chars += line.length
      }
      if (k === 0) {
        if (this.#size > 0 && this.#rotate()) return this.#takeBatch()
        if (this.#fd === null) return this.#takeBatch() // rotation could not reopen: retry once, else drop
        // A single line longer than the limit, alone in a fresh file (or rotation failed: over the limit it goes).
        k = 1
        bytes = Buffer.byteLength(pending[0] as string)
        chars = (pending[0] as string).length
      }
      buf = buf.subarray(0, bytes)
      m = k
    }
    if (m === pending.length) this.#pending = []
    else pending.splice(0, m)
    this.#pendingChars -= chars
    const pos = this.#size
    this.#size += buf.length
    return { fd: this.#fd as number, buf, pos }
  }

  /** `file.N-1` → `file.N` … `file` → `file.1`, oldest dropped; then a fresh `file`. */
  #rotate(): boolean {
    this.#closeFd()
    this.#stats.rotations++
    let renamed = true
    try {
      if (this.backupCount === 0) {
        // Unlink rather than truncate: a write still in flight lands in the old inode, not in the new file.
        fs.rmSync(this.path, { force: true })
      } else {
        fs.rmSync(`${this.path}.${this.backupCount}`, { force: true })
        for (let i = this.backupCount - 1; i >= 1; i--)
          renameIfExists(`${this.path}.${i}`, `${this.path}.${i + 1}`)
        renameIfExists(this.path, `${this.path}.1`)
      }
    } catch (err) {
      // The current file may still be in place: keep appending to it rather than truncate its lines away.
      renamed = false
      this.#report('rotate', 0, err)
    }
    const reserved = this.#size
    const reopened = this.#reopen(renamed)
    // Same file as before: ranges already reserved (an async write still in flight) stay reserved.
    if (!renamed && this.#size < reserved) this.#size = reserved
    this.#limit = renamed ? this.rotationSize : this.#size + this.rotationSize
    return reopened && renamed
  }

  #reopen(truncate = false): boolean {
    try {
      const fd = fs.openSync(this.path, O_WRONLY | O_CREAT | (truncate ? O_TRUNC : 0), 0o644)
      this.#size = truncate ? 0 : fs.fstatSync(fd).size
      this.#fd = fd
      return true
    } catch (err) {
      this.#report('open', 0, err)
      return false
    }
  }

  #settle(): void {
    if (this.#waiters.length === 0) return
    const waiters = this.#waiters
    this.#waiters = []
    for (const resolve of waiters) resolve()
  }

  #report(operation: LogFileWriteError['operation'], lostBytes: number, cause: unknown): void {
    this.#stats.errors++
    try {
      this.#onError(new LogFileWriteError(this.path, operation, lostBytes, { cause }))
    } catch {
      // an error handler that throws must not break logging
    }
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    fs.renameSync(from, to)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}
