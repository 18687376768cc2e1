/**
 * @packageDocumentation
 * The Veltix logger: seven levels, colourised console lines, the caller's `file:line`, JSON lines for machines,
 * size-rotated log files without ANSI codes, and async file writes that batch lines without ever dropping one.
 * Library packages take a {@link LoggerLike} (default {@link noopLogger}) and cost nothing when a level is off.
 *
 * @example
 * ```ts
 * import { Logger, LogLevel } from '@veltix/logger'
 *
 * const logger = Logger.getInstance({ level: LogLevel.DEBUG, filePath: 'logs/veltix.log', asyncWrite: true })
 * logger.info('Server listening on 0.0.0.0:8080')   // [14:23:45.123] INFO  [server.ts:45] Server listening on 0.0.0.0:8080
 * logger.debug(() => `state ${JSON.stringify(hugeState)}`) // the function runs only if DEBUG is on
 * const conn = logger.child({ peer: '10.0.0.7:51234' })
 * conn.warning('slow peer', { rttMs: 840 })        // ... WARN  [server.ts:48] slow peer {"peer":"10.0.0.7:51234","rttMs":840}
 * await logger.close()                               // every line on disk
 * ```
 */
export type { ColorSetting, OutputStream } from './colors.js'
export {
  DEFAULT_BUFFER_SIZE,
  DEFAULT_FILE_BACKUP_COUNT,
  DEFAULT_FILE_ROTATION_SIZE,
  DEFAULT_LEVEL,
} from './constants.js'
export {
  InvalidLoggerConfigError,
  LogFileConflictError,
  LogFileOpenError,
  LogFileWriteError,
  LoggerError,
} from './errors.js'
export { flushAllFileSinksSync as flushAllSync, type WriterStats } from './file-sink.js'
export { LogLevel, type LogLevelName } from './levels.js'
export {
  type LogFormat,
  Logger,
  type LoggerConfig,
  type LoggerLike,
  type LogMessage,
  type LogStats,
  noopLogger,
} from './logger.js'
