/**
 * Base class of every error the logger reports. Match on the subclass (`instanceof`) or on the stable string
 * `code` (`'VELTIX_ERR_…'`, Node's convention; it never changes between releases), not on the message.
 */
export class LoggerError extends Error {
  /** Stable identifier of the condition (one per class). */
  readonly code: string = 'VELTIX_ERR_LOGGER'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'LoggerError'
  }
}

/** A configuration value is out of range or of the wrong type. Thrown by the constructor, `configure`, `setLevel`. */
export class InvalidLoggerConfigError extends LoggerError {
  override readonly code = 'VELTIX_ERR_INVALID_LOGGER_CONFIG'
  constructor(
    readonly option: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`invalid logger option ${option}: got ${describe(value)}, expected ${expected}`)
    this.name = 'InvalidLoggerConfigError'
  }
}

/** The log file (or its folder) could not be created or opened. Thrown when the file output is configured. */
export class LogFileOpenError extends LoggerError {
  override readonly code = 'VELTIX_ERR_LOG_FILE_OPEN'
  constructor(
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(`cannot open log file ${path}: ${causeText(options?.cause)}`, options)
    this.name = 'LogFileOpenError'
  }
}

/**
 * A second logger asked for a file another logger of this process already writes, with different rotation
 * settings. One writer per file and process is what keeps rotation from losing or splitting lines.
 */
export class LogFileConflictError extends LoggerError {
  override readonly code = 'VELTIX_ERR_LOG_FILE_CONFLICT'
  constructor(
    readonly path: string,
    readonly existing: { rotationSize: number; backupCount: number },
    readonly requested: { rotationSize: number; backupCount: number },
  ) {
    super(
      `log file ${path} is already open in this process with fileRotationSize ${existing.rotationSize} and ` +
        `fileBackupCount ${existing.backupCount}; cannot reopen it with fileRotationSize ${requested.rotationSize} ` +
        `and fileBackupCount ${requested.backupCount}`,
    )
    this.name = 'LogFileConflictError'
  }
}

/**
 * Writing, rotating or closing the log file failed (disk full, file removed, permissions). Never thrown from a
 * logging call: handed to the `onError` option (default: one line on stderr). `lostBytes` counts what could not be
 * written.
 */
export class LogFileWriteError extends LoggerError {
  override readonly code = 'VELTIX_ERR_LOG_FILE_WRITE'
  constructor(
    readonly path: string,
    readonly operation: 'write' | 'rotate' | 'open' | 'close',
    readonly lostBytes: number,
    options?: ErrorOptions,
  ) {
    super(
      `log file ${path}: ${operation} failed (${lostBytes} bytes lost): ${causeText(options?.cause)}`,
      options,
    )
    this.name = 'LogFileWriteError'
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value)
  return typeof value
}

function causeText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}
