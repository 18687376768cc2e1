import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import {
  flushAllSync,
  LogFileConflictError,
  LogFileOpenError,
  type LogFileWriteError,
  Logger,
  type LoggerConfig,
  type LoggerError,
  LogLevel,
} from '../src/index.js'
import { fixedClock, MemoryStream, makeTempDir, removeTempDir } from './helpers.js'

let dir: string
let loggers: Logger[] = []

beforeEach(() => {
  dir = makeTempDir()
  loggers = []
})

afterEach(async () => {
  for (const l of loggers) await l.close()
  removeTempDir(dir)
})

/** A logger writing only to `file` (no console), closed after the test. */
function fileLogger(file: string, config: LoggerConfig = {}): Logger {
  const logger = new Logger({ console: false, filePath: file, clock: fixedClock, ...config })
  loggers.push(logger)
  return logger
}

const read = (file: string): string => fs.readFileSync(file, 'utf8')
const linesOf = (file: string): string[] => read(file).split('\n').slice(0, -1)

describe('file lines', () => {
  test('text lines in the file carry no ANSI codes, even with colours forced on the console', async () => {
    const file = path.join(dir, 'nested', 'folder', 'app.log')
    const out = new MemoryStream(true)
    const logger = new Logger({
      filePath: file,
      stdout: out,
      stderr: out,
      useColors: 'always',
      clock: fixedClock,
    })
    loggers.push(logger)
    logger.info('hello')
    logger.critical('bad')
    expect(out.chunks.join('')).toContain('\x1b[')
    const lines = linesOf(file) // sync mode: in the file when the call returns
    expect(lines).toHaveLength(2)
    expect(read(file)).not.toContain('\x1b')
    expect(lines[0]).toMatch(/^\[14:23:45\.123\] INFO {2}\[file-output\.test\.ts:\d+\] hello$/)
    expect(lines[1]).toMatch(/^\[14:23:45\.123\] CRIT {2}\[file-output\.test\.ts:\d+\] bad$/)
  })

  test('fileFormat json with text on the console', () => {
    const file = path.join(dir, 'app.jsonl')
    const out = new MemoryStream()
    const logger = new Logger({
      filePath: file,
      fileFormat: 'json',
      stdout: out,
      showCaller: false,
      clock: fixedClock,
    })
    loggers.push(logger)
    logger.info('m', { k: 'v' })
    expect(out.lines).toEqual(['[14:23:45.123] INFO  m {"k":"v"}'])
    expect(JSON.parse(linesOf(file)[0]!)).toEqual({
      time: new Date(fixedClock()).toISOString(),
      level: 'INFO',
      message: 'm',
      context: { k: 'v' },
    })
  })

  test('appends to an existing file', async () => {
    const file = path.join(dir, 'app.log')
    fs.writeFileSync(file, 'old line\n')
    fileLogger(file, { showTimestamp: false, showCaller: false }).info('new line')
    expect(linesOf(file)).toEqual(['old line', 'INFO  new line'])
  })
})

describe('rotation', () => {
  const plain = { showTimestamp: false, showLevel: false, showCaller: false } as const
  const LINE = 20 // bytes, newline included
  const msg = (i: number) => `line-${String(i).padStart(5, '0')}`.padEnd(LINE - 1, '.')

  test('at the boundary: a line that exactly fills the file stays, the next starts a new file', () => {
    const file = path.join(dir, 'app.log')
    const logger = fileLogger(file, { ...plain, fileRotationSize: 10 * LINE, fileBackupCount: 5 })
    for (let i = 1; i <= 35; i++) logger.info(msg(i))
    const ids = (f: string) => linesOf(f).map((l) => Number(l.slice(5, 10)))
    expect(ids(`${file}.3`)).toEqual(range(1, 10))
    expect(ids(`${file}.2`)).toEqual(range(11, 20))
    expect(ids(`${file}.1`)).toEqual(range(21, 30))
    expect(ids(file)).toEqual(range(31, 35))
    for (const f of [`${file}.3`, `${file}.2`, `${file}.1`]) expect(fs.statSync(f).size).toBe(10 * LINE)
    expect(logger.getWriterStats()?.rotations).toBe(3)
  })

  test('keeps fileBackupCount files, the oldest dropped', () => {
    const file = path.join(dir, 'app.log')
    const logger = fileLogger(file, { ...plain, fileRotationSize: 10 * LINE, fileBackupCount: 2 })
    for (let i = 1; i <= 45; i++) logger.info(msg(i))
    expect(fs.readdirSync(dir).sort()).toEqual(['app.log', 'app.log.1', 'app.log.2'])
    const all = [`${file}.2`, `${file}.1`, file].flatMap((f) => linesOf(f).map((l) => Number(l.slice(5, 10))))
    expect(all).toEqual(range(21, 45))
  })

  test('fileBackupCount 0 keeps only the current file', () => {
    const file = path.join(dir, 'app.log')
    const logger = fileLogger(file, { ...plain, fileRotationSize: 10 * LINE, fileBackupCount: 0 })
    for (let i = 1; i <= 25; i++) logger.info(msg(i))
    expect(fs.readdirSync(dir)).toEqual(['app.log'])
    expect(linesOf(file).map((l) => Number(l.slice(5, 10)))).toEqual(range(21, 25))
  })

  test('multi-byte characters: files stay within the limit in bytes, no character is split', () => {
    const file = path.join(dir, 'app.log')
    const logger = fileLogger(file, { ...plain, fileRotationSize: 100, fileBackupCount: 50 })
    for (let i = 0; i < 40; i++) logger.info(`${i} ${'é🚀'.repeat(i % 7)}`)
    const files = fs.readdirSync(dir).map((f) => path.join(dir, f))
    for (const f of files) expect(fs.statSync(f).size).toBeLessThanOrEqual(100)
    const lines = files.flatMap(linesOf)
    expect(lines.sort()).toEqual(
      range(0, 39)
        .map((i) => `${i} ${'é🚀'.repeat(i % 7)}`)
        .sort(),
    )
  })

  test('a line longer than the limit goes alone into its own file', () => {
    const file = path.join(dir, 'app.log')
    const logger = fileLogger(file, { ...plain, fileRotationSize: 50, fileBackupCount: 5 })
    logger.info('short')
    logger.info('x'.repeat(120))
    logger.info('after')
    expect(linesOf(`${file}.2`)).toEqual(['short'])
    expect(linesOf(`${file}.1`)).toEqual(['x'.repeat(120)])
    expect(linesOf(file)).toEqual(['after'])
  })

  test('many concurrent writers (sync and async loggers, children, text and JSON): no line lost, duplicated, torn or reordered', async () => {
    const file = path.join(dir, 'app.log')
    const ROTATION = 16 * 1024
    const WRITERS = 6
    const PER_WRITER = 2500
    const base: LoggerConfig = { fileRotationSize: ROTATION, fileBackupCount: 400, showCaller: false }
    const configs: LoggerConfig[] = [
      { asyncWrite: true, bufferSize: 4096 }, // first: its bufferSize is the shared writer's
      { asyncWrite: false },
      { asyncWrite: true, format: 'json' },
      { asyncWrite: false, format: 'json' },
      { asyncWrite: true },
      { asyncWrite: true, format: 'json' },
    ]
    const writers = configs.map((c, w) => {
      const root = fileLogger(file, { ...base, ...c })
      return w % 2 === 0 ? root.child(`w${w}`) : root.child({ writer: w })
    })
    let seed = 42
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    await Promise.all(
      writers.map(async (logger, w) => {
        for (let i = 0; i < PER_WRITER; i++) {
          const payload = 'abcdéfgh🚀'.repeat(rand(12))
          logger.info(`id=${w}-${i} ${payload}`)
          if (rand(8) === 0) await new Promise((r) => setImmediate(r)) // let async batches interleave
        }
      }),
    )
    for (const l of loggers) await l.flush()
    const files = fs
      .readdirSync(dir)
      .map((f) => ({ f, n: f === 'app.log' ? 0 : Number(f.slice('app.log.'.length)) }))
      .sort((a, b) => b.n - a.n) // oldest first
    expect(files.length).toBeGreaterThan(20) // it did rotate, and none was dropped (fileBackupCount 400)
    const next = new Array<number>(WRITERS).fill(0)
    let total = 0
    for (const { f } of files) {
      const full = path.join(dir, f)
      const text = read(full)
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(ROTATION)
      expect(text.endsWith('\n')).toBe(true)
      for (const line of text.split('\n').slice(0, -1)) {
        const message = line.startsWith('{') ? (JSON.parse(line) as { message: string }).message : line
        const m = /id=(\d+)-(\d+) ((?:abcdéfgh🚀)*)(?: \{"writer":\d\})?$/u.exec(message)
        expect(m, line).not.toBeNull()
        const w = Number(m![1])
        expect(Number(m![2]), `writer ${w} order`).toBe(next[w])
        next[w]! += 1
        total++
      }
    }
    expect(next).toEqual(new Array(WRITERS).fill(PER_WRITER))
    expect(total).toBe(WRITERS * PER_WRITER)
  }, 60_000)
})

describe('asynchronous writing', () => {
  test('lines are batched off the calling path and flush() resolves once they are in the file', async () => {
    const file = path.join(dir, 'app.log')
    const logger = fileLogger(file, { asyncWrite: true, showCaller: false })
    for (let i = 0; i < 10; i++) logger.info(`m${i}`)
    expect(read(file)).toBe('') // nothing written yet: the batch goes out on a later turn
    await logger.flush()
    expect(linesOf(file)).toHaveLength(10)
    expect(logger.getWriterStats()?.writeCalls).toBe(1)
  })

  test('a burst of 100,000 lines: all on disk, in order, memory bounded by bufferSize', async () => {
    const file = path.join(dir, 'burst.log')
    const BUFFER = 64 * 1024
    const logger = fileLogger(file, {
      asyncWrite: true,
      bufferSize: BUFFER,
      format: 'json',
      showCaller: false,
      fileRotationSize: 1024 * 1024 * 1024,
    })
    const N = 100_000
    for (let i = 0; i < N; i++) logger.info('burst', { i })
    const stats = logger.getWriterStats()!
    expect(stats.peakPendingChars).toBeLessThanOrEqual(BUFFER + 200) // bufferSize plus one line
    expect(stats.blockingFlushes).toBeGreaterThan(0) // backpressure, not dropping or growing
    await logger.flush()
    const lines = linesOf(file)
    expect(lines).toHaveLength(N)
    lines.forEach((line, i) => {
      if ((JSON.parse(line) as { context: { i: number } }).context.i !== i) expect.fail(`line ${i}: ${line}`)
    })
    expect(logger.getWriterStats()!.writeCalls).toBeLessThan(N / 100)
    expect(logger.getWriterStats()!.pendingChars).toBe(0)
  }, 60_000)

  test('close() resolves with every line in the file, then a later line reopens it', async () => {
    const file = path.join(dir, 'app.log')
    const logger = fileLogger(file, { asyncWrite: true, showCaller: false, showTimestamp: false })
    for (let i = 0; i < 1000; i++) logger.info(`m${i}`)
    await logger.close()
    expect(logger.getWriterStats()).toBeNull()
    expect(linesOf(file)).toHaveLength(1000)
    logger.info('after close')
    await logger.flush()
    expect(linesOf(file).at(-1)).toBe('INFO  after close')
  })

  test('on process exit, pending lines are written synchronously (the exit hook)', () => {
    const file = path.join(dir, 'app.log')
    const before = process.listenerCount('exit')
    const logger = fileLogger(file, { asyncWrite: true, showCaller: false })
    expect(process.listenerCount('exit')).toBe(before + 1)
    for (let i = 0; i < 500; i++) logger.info(`m${i}`)
    flushAllSync() // what the 'exit' listener runs; no await: an exiting process runs no more I/O callbacks
    expect(linesOf(file)).toHaveLength(500)
  })

  test('the exit hook is removed once the last file is closed', async () => {
    const before = process.listenerCount('exit')
    const logger = fileLogger(path.join(dir, 'app.log'))
    logger.info('m')
    expect(process.listenerCount('exit')).toBe(before + 1)
    await logger.close()
    expect(process.listenerCount('exit')).toBe(before)
  })
})

describe('errors', () => {
  test('a file that cannot be opened: LogFileOpenError from the constructor', () => {
    fs.writeFileSync(path.join(dir, 'not-a-dir'), '')
    const file = path.join(dir, 'not-a-dir', 'app.log')
    expect(() => new Logger({ filePath: file })).toThrow(LogFileOpenError)
    try {
      new Logger({ filePath: file })
    } catch (err) {
      expect((err as LogFileOpenError).name).toBe('LogFileOpenError')
      expect((err as LogFileOpenError).path).toBe(file)
      expect((err as LogFileOpenError).cause).toBeInstanceOf(Error)
    }
  })

  test('the same file with other rotation settings: LogFileConflictError; same settings share the writer', () => {
    const file = path.join(dir, 'app.log')
    const a = fileLogger(file, { fileRotationSize: 1000 })
    expect(() => new Logger({ filePath: file, fileRotationSize: 2000 })).toThrow(LogFileConflictError)
    const b = fileLogger(file, { fileRotationSize: 1000, showCaller: false, showTimestamp: false })
    a.info('a')
    b.info('b')
    expect(linesOf(file)).toHaveLength(2)
  })

  test('a rotation that fails is reported to onError and loses no line', () => {
    const file = path.join(dir, 'app.log')
    fs.mkdirSync(`${file}.1`)
    fs.writeFileSync(path.join(`${file}.1`, 'blocker'), '') // app.log.1 cannot be replaced
    const errors: LoggerError[] = []
    const logger = fileLogger(file, {
      fileRotationSize: 50,
      fileBackupCount: 1,
      showCaller: false,
      showTimestamp: false,
      onError: (err) => errors.push(err),
    })
    for (let i = 0; i < 10; i++) logger.info(`line number ${i}`)
    expect(linesOf(file)).toHaveLength(10) // kept appending to the current file
    expect(errors.length).toBeGreaterThan(0)
    const first = errors[0] as LogFileWriteError
    expect(first.name).toBe('LogFileWriteError')
    expect(first.operation).toBe('rotate')
    expect(first.lostBytes).toBe(0)
    expect(errors.length).toBeLessThan(5) // retried once per file's worth of lines, not on every line
  })

  test('close() of one of two loggers sharing a file resolves once its lines are written', async () => {
    const file = path.join(dir, 'app.log')
    const a = fileLogger(file, { asyncWrite: true, showCaller: false })
    const b = fileLogger(file, { asyncWrite: true, showCaller: false })
    for (let i = 0; i < 100; i++) a.info(`a${i}`)
    await a.close()
    expect(linesOf(file)).toHaveLength(100)
    b.info('b') // the file is still open for b
    await b.close()
    expect(linesOf(file)).toHaveLength(101)
  })

  test('without onError, write failures are one line on stderr, never thrown', () => {
    const file = path.join(dir, 'app.log')
    fs.mkdirSync(`${file}.1`)
    fs.writeFileSync(path.join(`${file}.1`, 'blocker'), '')
    const err = new MemoryStream()
    const logger = fileLogger(file, { fileRotationSize: 20, fileBackupCount: 1, stderr: err })
    expect(() => {
      for (let i = 0; i < 3; i++) logger.info('a line that is long enough')
    }).not.toThrow()
    expect(
      err.lines.some((l) => l.startsWith('veltix logger: log file ') && l.includes('rotate failed')),
    ).toBe(true)
    expect(logger.getStats().INFO).toBe(3)
    expect(LogLevel.INFO).toBe(20)
  })
})

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}
