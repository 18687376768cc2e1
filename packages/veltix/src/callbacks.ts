import type { LoggerLike } from '@veltix/logger'

/**
 * Runs a user callback so that nothing it does can hurt the caller: a throw or a rejected promise is
 * logged (with `what`) and swallowed.
 */
export function invoke<A extends unknown[]>(
  logger: LoggerLike,
  what: string,
  fn: ((...args: A) => unknown) | undefined,
  ...args: A
): void {
  if (fn === undefined) return
  try {
    const out = fn(...args)
    if (out !== null && typeof out === 'object' && typeof (out as Promise<unknown>).then === 'function') {
      ;(out as Promise<unknown>).then(undefined, (error: unknown) => report(logger, what, error))
    }
  } catch (error) {
    report(logger, what, error)
  }
}

export function report(logger: LoggerLike, what: string, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error))
  logger.error(`${what} failed: ${err.name}: ${err.message}`, { error: err.stack ?? err.message })
}
