import path from 'node:path'
import { findCaller } from './caller.js'
import { type ColorSetting, type OutputStream, useColorsFor } from './colors.js'
import {
  CHILD_NAME_SEPARATOR,
  DEFAULT_BUFFER_SIZE,
  DEFAULT_FILE_BACKUP_COUNT,
  DEFAULT_FILE_ROTATION_SIZE,
  DEFAULT_LEVEL,
} from './constants.js'
import { InvalidLoggerConfigError, type LoggerError } from './errors.js'
import { acquireFileSink, type FileSink, type WriterStats } from './file-sink.js'
import { colorize, formatJson, formatText, type LogRecord } from './format.js'
import { LEVEL_NAMES, LogLevel, type LogLevelName } from './levels.js'
import { safeJson } from './safe-json.js'

/** A log message, or a function producing it that is called only when the line is emitted. */
export type LogMessage = string | (() => string)

/** What library packages accept as an injected logger. */
export interface LoggerLike {
  isLevelEnabled(level: LogLevel): boolean
  trace(msg: LogMessage, context?: Record<string, unknown>): void
  debug(msg: LogMessage, context?: Record<string, unknown>): void
  info(msg: LogMessage, context?: Record<string, unknown>): void
  success(msg: LogMessage, context?: Record<string, unknown>): void
  warning(msg: LogMessage, context?: Record<string, unknown>): void
  error(msg: LogMessage, context?: Record<string, unknown>): void
  critical(msg: LogMessage, context?: Record<string, unknown>): void
  child(nameOrContext: string | Record<string, unknown>): LoggerLike
}

/** Line format: human text (`[time] LEVEL [file:line] message`) or one JSON object per line. */
export type LogFormat = 'text' | 'json'

/** Logger options; every field is optional. `configure()` takes the same shape and changes only what it names. */
export interface LoggerConfig {
  /** Minimum level emitted (default `LogLevel.INFO`). Also accepts a level name, any case (`'debug'`). */
  level?: LogLevel | LogLevelName | Lowercase<LogLevelName>
  /** All output on/off (default true). */
  enabled?: boolean
  /** Colour console lines: `true` (default) when the stream is a TTY and `NO_COLOR`/`FORCE_COLOR` allow; `'always'`. Files never. */
  useColors?: ColorSetting
  /** Text lines: `[HH:MM:SS.mmm]` local time (default true). */
  showTimestamp?: boolean
  /** `[file.ts:45]` of the calling line (default true). Looked up only for emitted lines. */
  showCaller?: boolean
  /** Text lines: the level tag, padded to 5 (default true). */
  showLevel?: boolean
  /** Format of console lines, and of file lines unless `fileFormat` is set (default `'text'`). */
  format?: LogFormat
  /** Format of file lines (default: `format`). Text in files never carries ANSI codes. */
  fileFormat?: LogFormat
  /** Also append lines to this file (created with its folders). `null` turns file output off. */
  filePath?: string | null
  /** Rotate before a line would carry the file past this many bytes (default 10 MiB). */
  fileRotationSize?: number
  /** Rotated files kept, `file.1` (newest) … `file.N`; the oldest is dropped (default 5; 0 = keep none). */
  fileBackupCount?: number
  /** Batch file writes off the calling path (default false: each line is in the file when the call returns). */
  asyncWrite?: boolean
  /** Async mode: characters held in memory before a logging call writes synchronously (default 1 MiB). */
  bufferSize?: number
  /** Console output on/off (default true). */
  console?: boolean
  /** Console stream for TRACE…WARNING (default `process.stdout`). */
  stdout?: OutputStream
  /** Console stream for ERROR and CRITICAL (default `process.stderr`). */
  stderr?: OutputStream
  /** Name shown before the message (`veltix: …`) and in JSON lines. */
  name?: string
  /** Fields added to every line's context. */
  context?: Record<string, unknown>
  /** Clock in epoch milliseconds (default `Date.now`); for tests. */
  clock?: () => number
  /** Environment read for `NO_COLOR`, `FORCE_COLOR`, `TERM` (default `process.env`); for tests. */
  env?: Readonly<Record<string, string | undefined>>
  /** Receives file write/rotate failures, which are never thrown from a logging call (default: a line on stderr). */
  onError?: (err: LoggerError) => void
}

/** Lines emitted per level since the logger was created (children count into their root). */
export type LogStats = Record<LogLevelName, number>

interface ResolvedConfig {
  level: number
  enabled: boolean
  useColors: ColorSetting
  showTimestamp: boolean
  showCaller: boolean
  showLevel: boolean
  format: LogFormat
  fileFormat: LogFormat | undefined
  filePath: string | null
  fileRotationSize: number
  fileBackupCount: number
  asyncWrite: boolean
  bufferSize: number
  console: boolean
  stdout: OutputStream
  stderr: OutputStream
  name: string | undefined
  context: Record<string, unknown> | undefined
  clock: () => number
  env: Readonly<Record<string, string | undefined>>
  onError: ((err: LoggerError) => void) | undefined
}

/** State shared by a logger and its children: configuration, outputs, counters. */
interface Core {
  config: ResolvedConfig
  /** Lowest level emitted; `Infinity` when disabled, so the check in each method is one comparison. */
  threshold: number
  stdoutColors: boolean
  stderrColors: boolean
  sink: FileSink | null
  stats: Record<number, number>
}

const LOG_FORMATS: readonly LogFormat[] = ['text', 'json']

/** Set by `child()` just around `new Logger()`: children share the parent's core. */
let childInit: { core: Core; name: string | undefined; context: Record<string, unknown> | undefined } | null =
  null

/**
 * The Veltix logger. `Logger.getInstance()` is the shared instance (as the reference); `new Logger()` and
 * `child()` give libraries and tests their own. Console lines go to `stdout` (TRACE…WARNING) and `stderr`
 * (ERROR, CRITICAL); with `filePath`, also to a size-rotated file.
 */
export class Logger implements LoggerLike {
  static #instance: Logger | null = null

  readonly #core: Core
  #name: string | undefined
  #context: Record<string, unknown> | undefined

  /**
   * The shared instance, created with `config` on first call. A later `config` is applied to it, as
   * `configure(config)`: the fields it names replace the current ones, the others keep their values.
   */
  static getInstance(config?: LoggerConfig): Logger {
    if (Logger.#instance === null) Logger.#instance = new Logger(config)
    else if (config !== undefined) Logger.#instance.configure(config)
    return Logger.#instance
  }

  /** Closes and forgets the shared instance; the next `getInstance()` creates a fresh one (for tests). */
  static async resetInstance(): Promise<void> {
    const instance = Logger.#instance
    Logger.#instance = null
    if (instance !== null) await instance.close()
  }

  /**
   * A logger of its own (not the shared instance). Throws `InvalidLoggerConfigError` on a bad option, and
   * `LogFileOpenError` / `LogFileConflictError` when `filePath` cannot be opened or is already open with other
   * rotation settings.
   */
  constructor(config?: LoggerConfig) {
    const init = childInit
    childInit = null
    if (init !== null) {
      this.#core = init.core
      this.#name = init.name
      this.#context = init.context
      return
    }
    const resolved = resolveConfig(defaults(), config ?? {})
    this.#core = {
      config: resolved,
      threshold: 0,
      stdoutColors: false,
      stderrColors: false,
      sink: null,
      stats: Object.fromEntries(LEVEL_NAMES.map((n) => [LogLevel[n], 0])),
    }
    this.#name = resolved.name
    this.#context = nonEmpty(resolved.context)
    this.#refresh()
    if (resolved.filePath !== null) this.#core.sink = this.#openSink(resolved)
  }

  /** The name shown on this logger's lines, if any. */
  get name(): string | undefined {
    return this.#name
  }

  /** The current minimum level. */
  get level(): LogLevel {
    return this.#core.config.level
  }

  /** True when a line at `level` would be emitted: check it before building an expensive message. */
  isLevelEnabled(level: LogLevel): boolean {
    return level >= this.#core.threshold
  }

  trace(msg: LogMessage, context?: Record<string, unknown>): void {
    if (LogLevel.TRACE >= this.#core.threshold)
      this.#emit(LogLevel.TRACE, msg, context, Logger.prototype.trace)
  }
  debug(msg: LogMessage, context?: Record<string, unknown>): void {
    if (LogLevel.DEBUG >= this.#core.threshold)
      this.#emit(LogLevel.DEBUG, msg, context, Logger.prototype.debug)
  }
  info(msg: LogMessage, context?: Record<string, unknown>): void {
    if (LogLevel.INFO >= this.#core.threshold) this.#emit(LogLevel.INFO, msg, context, Logger.prototype.info)
  }
  success(msg: LogMessage, context?: Record<string, unknown>): void {
    if (LogLevel.SUCCESS >= this.#core.threshold)
      this.#emit(LogLevel.SUCCESS, msg, context, Logger.prototype.success)
  }
  warning(msg: LogMessage, context?: Record<string, unknown>): void {
    if (LogLevel.WARNING >= this.#core.threshold)
      this.#emit(LogLevel.WARNING, msg, context, Logger.prototype.warning)
  }
  error(msg: LogMessage, context?: Record<string, unknown>): void {
    if (LogLevel.ERROR >= this.#core.threshold)
      this.#emit(LogLevel.ERROR, msg, context, Logger.prototype.error)
  }
  critical(msg: LogMessage, context?: Record<string, unknown>): void {
    if (LogLevel.CRITICAL >= this.#core.threshold)
      this.#emit(LogLevel.CRITICAL, msg, context, Logger.prototype.critical)
  }

  /** A line at `level`, given at run time. Throws `InvalidLoggerConfigError` for a number that is not a `LogLevel`. */
  log(level: LogLevel, msg: LogMessage, context?: Record<string, unknown>): void {
    if (LogLevel[level] === undefined) throw new InvalidLoggerConfigError('level', level, 'a LogLevel')
    if (level >= this.#core.threshold) this.#emit(level, msg, context, Logger.prototype.log)
  }

  /**
   * A logger sharing this one's level, outputs and counters, that adds a name (`parent:child`) or context fields
   * to its lines. Cheap: no file is opened.
   */
  child(nameOrContext: string | Record<string, unknown>): Logger {
    let name = this.#name
    let context = this.#context
    if (typeof nameOrContext === 'string') {
      name = name === undefined ? nameOrContext : `${name}${CHILD_NAME_SEPARATOR}${nameOrContext}`
    } else if (nameOrContext !== null && typeof nameOrContext === 'object') {
      context = nonEmpty({ ...context, ...nameOrContext })
    } else {
      throw new InvalidLoggerConfigError('child', nameOrContext, 'a name (string) or a context object')
    }
    childInit = { core: this.#core, name, context }
    return new Logger()
  }

  /** Sets the minimum level (for this logger, its parent and its children: they share it). */
  setLevel(level: LogLevel | LogLevelName | Lowercase<LogLevelName>): void {
    this.#core.config.level = parseLevel(level)
    this.#refresh()
  }

  enable(): void {
    this.#core.config.enabled = true
    this.#refresh()
  }

  disable(): void {
    this.#core.config.enabled = false
    this.#refresh()
  }

  /**
   * Changes the options it names, keeping the others. Validates everything before changing anything. Changing the
   * file writes out the old file's pending lines synchronously and closes it.
   */
  configure(config: LoggerConfig): void {
    const core = this.#core
    const prev = core.config
    const next = resolveConfig(prev, config)
    const fileChanged =
      next.filePath !== prev.filePath ||
      next.fileRotationSize !== prev.fileRotationSize ||
      next.fileBackupCount !== prev.fileBackupCount ||
      next.bufferSize !== prev.bufferSize
    if (fileChanged) {
      const old = core.sink
      let sink: FileSink | null = null
      if (next.filePath !== null) {
        if (old !== null && old.path === path.resolve(next.filePath) && old.refs === 1) {
          // Same file, new settings, ours alone: hand it over rather than conflict with ourselves.
          core.sink = null
          old.releaseSync()
          sink = this.#openSink(next)
        } else {
          sink = this.#openSink(next)
          old?.releaseSync()
        }
      } else {
        old?.releaseSync()
      }
      core.sink = sink
    }
    core.config = next
    if (config.name !== undefined) this.#name = next.name
    if (config.context !== undefined) this.#context = nonEmpty(next.context)
    this.#refresh()
  }

  /** Lines emitted per level. */
  getStats(): LogStats {
    const out = {} as LogStats
    for (const name of LEVEL_NAMES) out[name] = this.#core.stats[LogLevel[name]] ?? 0
    return out
  }

  resetStats(): void {
    for (const key of Object.keys(this.#core.stats)) this.#core.stats[Number(key)] = 0
  }

  /** Counters of the file writer (bytes, rotations, pending, backpressure), or null without file output. */
  getWriterStats(): WriterStats | null {
    return this.#core.sink?.stats ?? null
  }

  /** Resolves once every line logged so far is written to the file (handed to the OS; no fsync). */
  async flush(): Promise<void> {
    await this.#core.sink?.flush()
  }

  /**
   * Writes out pending lines, fsyncs and closes the file (shared by the parent and children: close the root).
   * The logger stays usable: the console keeps working and a later line reopens the file.
   */
  async close(): Promise<void> {
    const sink = this.#core.sink
    this.#core.sink = null
    if (sink !== null) await sink.release()
  }

  #refresh(): void {
    const core = this.#core
    const c = core.config
    core.threshold = c.enabled ? c.level : Number.POSITIVE_INFINITY
    core.stdoutColors = useColorsFor(c.useColors, c.stdout, c.env)
    core.stderrColors = useColorsFor(c.useColors, c.stderr, c.env)
  }

  #openSink(c: ResolvedConfig): FileSink {
    return acquireFileSink(c.filePath as string, {
      rotationSize: c.fileRotationSize,
      backupCount: c.fileBackupCount,
      bufferSize: c.bufferSize,
      onError: (err) => this.#reportError(err),
    })
  }

  #reportError(err: LoggerError): void {
    const c = this.#core.config
    if (c.onError !== undefined) {
      c.onError(err)
      return
    }
    try {
      c.stderr.write(`veltix logger: ${err.message}\n`)
    } catch {
      // nowhere left to report
    }
  }

  #emit(
    level: LogLevel,
    msg: LogMessage,
    context: Record<string, unknown> | undefined,
    method: (...args: never[]) => unknown,
  ): void {
    const core = this.#core
    const c = core.config
    core.stats[level] = (core.stats[level] ?? 0) + 1
    const toFile = c.filePath !== null
    if (!c.console && !toFile) return
    const record: LogRecord = {
      level,
      time: c.clock(),
      message: messageText(msg),
      caller: c.showCaller ? findCaller(method) : undefined,
      name: this.#name,
      context:
        context === undefined || context === null
          ? this.#context
          : this.#context === undefined
            ? nonEmpty(context)
            : { ...this.#context, ...context },
    }
    let text: string | undefined
    let json: string | undefined
    if (c.console) {
      const err = level >= LogLevel.ERROR
      let line: string
      if (c.format === 'json') line = json = formatJson(record, c.showCaller)
      else {
        line = text = formatText(record, c)
        if (err ? core.stderrColors : core.stdoutColors) line = colorize(level, line)
      }
      try {
        ;(err ? c.stderr : c.stdout).write(`${line}\n`)
      } catch {
        // a broken console must not break the caller
      }
    }
    if (toFile) {
      const line =
        (c.fileFormat ?? c.format) === 'json'
          ? (json ?? formatJson(record, c.showCaller))
          : (text ?? formatText(record, c))
      let sink = core.sink
      if (sink === null) {
        try {
          sink = core.sink = this.#openSink(c) // reopened after close()
        } catch (err) {
          this.#reportError(err as LoggerError)
          return
        }
      }
      sink.write(`${line}\n`, !c.asyncWrite)
    }
  }
}

/** A logger that does nothing: the default of every library package. */
export const noopLogger: LoggerLike = Object.freeze({
  isLevelEnabled: () => false,
  trace: noop,
  debug: noop,
  info: noop,
  success: noop,
  warning: noop,
  error: noop,
  critical: noop,
  child: () => noopLogger,
})

function noop(): void {}

function messageText(msg: unknown): string {
  if (typeof msg === 'string') return msg
  if (typeof msg === 'function') {
    try {
      return messageText(msg())
    } catch (err) {
      return `<message function threw: ${err instanceof Error ? err.message : String(err)}>`
    }
  }
  if (typeof msg === 'object' && msg !== null) return safeJson(msg)
  return String(msg)
}

function nonEmpty(context: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (context === undefined) return undefined
  for (const _ in context) return context
  return undefined
}

function defaults(): ResolvedConfig {
  return {
    level: DEFAULT_LEVEL,
    enabled: true,
    useColors: true,
    showTimestamp: true,
    showCaller: true,
    showLevel: true,
    format: 'text',
    fileFormat: undefined,
    filePath: null,
    fileRotationSize: DEFAULT_FILE_ROTATION_SIZE,
    fileBackupCount: DEFAULT_FILE_BACKUP_COUNT,
    asyncWrite: false,
    bufferSize: DEFAULT_BUFFER_SIZE,
    console: true,
    stdout: process.stdout,
    stderr: process.stderr,
    name: undefined,
    context: undefined,
    clock: Date.now,
    env: process.env,
    onError: undefined,
  }
}

function parseLevel(value: unknown): LogLevel {
  if (typeof value === 'number' && LogLevel[value] !== undefined) return value
  if (typeof value === 'string') {
    const upper = value.toUpperCase()
    if ((LEVEL_NAMES as readonly string[]).includes(upper)) return LogLevel[upper as LogLevelName]
  }
  throw new InvalidLoggerConfigError('level', value, `a LogLevel or one of ${LEVEL_NAMES.join(', ')}`)
}

/** `base` with the fields `config` names, validated. Throws `InvalidLoggerConfigError`; never half-applies. */
function resolveConfig(base: ResolvedConfig, config: LoggerConfig): ResolvedConfig {
  if (config === null || typeof config !== 'object') {
    throw new InvalidLoggerConfigError('config', config, 'an object')
  }
  const out = { ...base }
  const has = (k: keyof LoggerConfig): boolean => config[k] !== undefined
  if (has('level')) out.level = parseLevel(config.level)
  for (const k of ['enabled', 'showTimestamp', 'showCaller', 'showLevel', 'asyncWrite', 'console'] as const) {
    if (has(k)) out[k] = bool(k, config[k])
  }
  if (has('useColors')) {
    const v = config.useColors
    if (typeof v !== 'boolean' && v !== 'always') {
      throw new InvalidLoggerConfigError('useColors', v, "true, false or 'always'")
    }
    out.useColors = v
  }
  if (has('format')) out.format = oneOf('format', config.format, LOG_FORMATS)
  if (has('fileFormat')) out.fileFormat = oneOf('fileFormat', config.fileFormat, LOG_FORMATS)
  if ('filePath' in config) {
    const v = config.filePath
    if (v === null || v === undefined) out.filePath = null
    else if (typeof v === 'string' && v.length > 0) out.filePath = v
    else throw new InvalidLoggerConfigError('filePath', v, 'a non-empty path, or null')
  }
  if (has('fileRotationSize')) out.fileRotationSize = int('fileRotationSize', config.fileRotationSize, 1)
  if (has('fileBackupCount')) out.fileBackupCount = int('fileBackupCount', config.fileBackupCount, 0)
  if (has('bufferSize')) out.bufferSize = int('bufferSize', config.bufferSize, 0)
  for (const k of ['stdout', 'stderr'] as const) {
    if (has(k)) {
      const v = config[k]
      if (typeof v !== 'object' || v === null || typeof v.write !== 'function') {
        throw new InvalidLoggerConfigError(k, v, 'a stream with a write(string) method')
      }
      out[k] = v
    }
  }
  if (has('name')) {
    if (typeof config.name !== 'string') throw new InvalidLoggerConfigError('name', config.name, 'a string')
    out.name = config.name
  }
  if (has('context')) {
    if (typeof config.context !== 'object' || config.context === null) {
      throw new InvalidLoggerConfigError('context', config.context, 'an object')
    }
    out.context = config.context
  }
  if (has('clock')) out.clock = fn('clock', config.clock) as () => number
  if (has('onError')) out.onError = fn('onError', config.onError) as (err: LoggerError) => void
  if (has('env')) {
    if (typeof config.env !== 'object' || config.env === null) {
      throw new InvalidLoggerConfigError('env', config.env, 'an object')
    }
    out.env = config.env
  }
  return out
}

function bool(option: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new InvalidLoggerConfigError(option, v, 'a boolean')
  return v
}

function int(option: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new InvalidLoggerConfigError(option, v, `an integer >= ${min}`)
  }
  return v
}

function oneOf<T extends string>(option: string, v: unknown, values: readonly T[]): T {
  if (!values.includes(v as T))
    throw new InvalidLoggerConfigError(option, v, values.map((x) => `'${x}'`).join(' or '))
  return v as T
}

function fn(option: string, v: unknown): unknown {
  if (typeof v !== 'function') throw new InvalidLoggerConfigError(option, v, 'a function')
  return v
}
