/**
 * `veltix/logger`: the integrated logger (`Logger`, seven levels, files with rotation, async writes),
 * `noopLogger`, the `LoggerLike` interface a server or client accepts, and the logger's errors.
 */
export {
  type ColorSetting,
  DEFAULT_FILE_BACKUP_COUNT,
  DEFAULT_FILE_ROTATION_SIZE,
  DEFAULT_LEVEL,
  flushAllSync,
  InvalidLoggerConfigError,
  LogFileConflictError,
  LogFileOpenError,
  LogFileWriteError,
  type LogFormat,
  Logger,
  type LoggerConfig,
  LoggerError,
  type LoggerLike,
  LogLevel,
  type LogLevelName,
  type LogMessage,
  type LogStats,
  noopLogger,
  type OutputStream,
  type WriterStats,
} from '@veltix/logger'
