/**
 * The user's `file:line` for a logging call. `Error.captureStackTrace(holder, fn)` cuts the stack at the public
 * method the user called (`fn`), so the first frame left is the caller itself, whatever its file is named (the
 * reference walks frames and skips any file whose name contains "logger", the user's own included). Only one
 * frame is collected, and only for lines that are emitted.
 *
 * Two ways to read that frame: structured call sites (cheaper: no stack string is formatted or parsed), used
 * when nobody has customised stack traces; and the formatted stack string otherwise, so that a source-map hook
 * (`--enable-source-maps`, a test runner's) still maps the position to the user's `.ts` line.
 */
export function findCaller(fn: (...args: never[]) => unknown): string | undefined {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 1
  try {
    return plainStacks() ? viaCallSites(fn) : viaStackString(fn)
  } finally {
    Error.stackTraceLimit = limit
  }
}

function plainStacks(): boolean {
  return (
    Error.prepareStackTrace === undefined && !(process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled
  )
}

interface CallSiteLike {
  getFileName(): string | null | undefined
  getLineNumber(): number | null
}

const returnCallSites = (_: Error, sites: CallSiteLike[]): CallSiteLike[] => sites

function viaCallSites(fn: (...args: never[]) => unknown): string | undefined {
  const holder: { stack?: unknown } = {}
  Error.prepareStackTrace = returnCallSites as never
  try {
    Error.captureStackTrace(holder, fn)
    const sites = holder.stack // formatted (by returnCallSites) on first access: read it before restoring
    const site = Array.isArray(sites) ? (sites[0] as CallSiteLike | undefined) : undefined
    if (site === undefined) return undefined
    const file = site.getFileName()
    const line = site.getLineNumber()
    if (file == null || line === null) return undefined
    return `${baseName(file)}:${line}`
  } finally {
    Error.prepareStackTrace = undefined as never
  }
}

function viaStackString(fn: (...args: never[]) => unknown): string | undefined {
  const holder: { stack?: string } = {}
  Error.captureStackTrace(holder, fn)
  return parseFrame(holder.stack)
}

// "    at fn (/a/b/file.ts:45:10)", "    at /a/b/file.ts:45:10", "    at async fn (file:///a/b/x.mjs:3:1)",
// "    at C:\a\b\file.ts:45:10"
const FRAME = /([^\s()]+?):(\d+)(?::\d+)?\)?\s*$/

/** `file.ts:45` from the first frame of a V8 stack string. Exported for tests. */
export function parseFrame(stack: string | undefined): string | undefined {
  if (typeof stack !== 'string') return undefined
  const at = stack.indexOf('\n    at ')
  if (at < 0) return undefined
  const end = stack.indexOf('\n', at + 1)
  const frame = stack.slice(at + 8, end < 0 ? undefined : end)
  const m = FRAME.exec(frame)
  if (m === null) return undefined
  return `${baseName(m[1] as string)}:${m[2]}`
}

/** The file name of a path or URL, without a query (vite/vitest add `?v=…` to module URLs). */
function baseName(file: string): string {
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'))
  let base = slash >= 0 ? file.slice(slash + 1) : file
  const query = base.search(/[?#]/)
  if (query > 0) base = base.slice(0, query)
  return base
}
