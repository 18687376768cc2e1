/**
 * The user's `file:line` for a logging call. `Error.captureStackTrace(holder, fn)` cuts the stack at the public
 * method the user called (`fn`), so the first frame left is the caller itself, whatever its file is named (the
 * reference walks frames and skips any file whose name contains "logger", the user's own included). Only one
 * frame is collected, and only for lines that are emitted.
 */
export function findCaller(fn: (...args: never[]) => unknown): string | undefined {
  const holder: { stack?: string } = {}
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 1
  try {
    Error.captureStackTrace(holder, fn)
  } finally {
    Error.stackTraceLimit = limit
  }
  return parseFrame(holder.stack)
}

// "    at fn (/a/b/file.ts:45:10)", "    at /a/b/file.ts:45:10", "    at async fn (file:///a/b/x.mjs:3:1)",
// "    at C:\a\b\file.ts:45:10"
const FRAME = /([^\s()]+?):(\d+)(?::\d+)?\)?\s*$/

/** `file.ts:45` from the first frame of a V8 stack string. Exported for tests. */
export function parseFrame(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined
  const at = stack.indexOf('\n    at ')
  if (at < 0) return undefined
  const end = stack.indexOf('\n', at + 1)
  const frame = stack.slice(at + 8, end < 0 ? undefined : end)
  const m = FRAME.exec(frame)
  if (m === null) return undefined
  const file = m[1] as string
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'))
  let base = slash >= 0 ? file.slice(slash + 1) : file
  const query = base.search(/[?#]/) // vite/vitest add "?v=…" to module URLs
  if (query > 0) base = base.slice(0, query)
  return `${base}:${m[2]}`
}
