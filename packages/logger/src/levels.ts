/** Log severity levels, ordered: a logger emits lines at or above its level. Same values as the reference. */
export enum LogLevel {
  TRACE = 5,
  DEBUG = 10,
  INFO = 20,
  SUCCESS = 25,
  WARNING = 30,
  ERROR = 40,
  CRITICAL = 50,
}

/** The name of a level, as used in JSON lines and accepted (case-insensitively) in `level` options. */
export type LogLevelName = keyof typeof LogLevel

export const LEVEL_NAMES: readonly LogLevelName[] = [
  'TRACE',
  'DEBUG',
  'INFO',
  'SUCCESS',
  'WARNING',
  'ERROR',
  'CRITICAL',
]

/** Level tags of text lines, padded to 5 (as the reference). */
export const LEVEL_TAGS: Readonly<Record<LogLevel, string>> = {
  [LogLevel.TRACE]: 'TRACE',
  [LogLevel.DEBUG]: 'DEBUG',
  [LogLevel.INFO]: 'INFO ',
  [LogLevel.SUCCESS]: 'OK   ',
  [LogLevel.WARNING]: 'WARN ',
  [LogLevel.ERROR]: 'ERROR',
  [LogLevel.CRITICAL]: 'CRIT ',
}

/** ANSI colours per level (as the reference: grey, white, cyan, green, yellow, red, red background). */
export const LEVEL_COLORS: Readonly<Record<LogLevel, string>> = {
  [LogLevel.TRACE]: '\x1b[90m',
  [LogLevel.DEBUG]: '\x1b[37m',
  [LogLevel.INFO]: '\x1b[36m',
  [LogLevel.SUCCESS]: '\x1b[32m',
  [LogLevel.WARNING]: '\x1b[33m',
  [LogLevel.ERROR]: '\x1b[31m',
  [LogLevel.CRITICAL]: '\x1b[41m',
}
export const ANSI_RESET = '\x1b[0m'
export const ANSI_DIM = '\x1b[2m'
