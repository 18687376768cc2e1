import { Logger, type LoggerLike, LogLevel } from '@veltix/logger'

let shared: LoggerLike | undefined

/**
 * The logger used when none is injected: errors only (a throwing handler, a failed socket), on stderr.
 * Created on first use, shared by every server and client that has no logger of its own.
 */
export function defaultLogger(): LoggerLike {
  shared ??= new Logger({ level: LogLevel.ERROR, name: 'veltix', showCaller: false })
  return shared
}
