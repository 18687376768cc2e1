import { ANSI_RESET, LEVEL_COLORS, LEVEL_TAGS, LogLevel as Levels, type LogLevel } from './levels.js'
import { safeJson } from './safe-json.js'

/** One log record, before formatting. */
export interface LogRecord {
  level: LogLevel
  /** Milliseconds since the epoch. */
  time: number
  message: string
  caller: string | undefined
  name: string | undefined
  context: Record<string, unknown> | undefined
}

export interface TextOptions {
  showTimestamp: boolean
  showLevel: boolean
  showCaller: boolean
}

/** `[14:23:45.123] INFO  [server.ts:45] name: message {"context":1}` (local time, as the reference). No colour. */
export function formatText(r: LogRecord, o: TextOptions): string {
  let line = ''
  if (o.showTimestamp) line = `[${localClock(r.time)}] `
  if (o.showLevel) line += `${levelTag(r.level)} `
  if (o.showCaller && r.caller !== undefined) line += `[${r.caller}] `
  if (r.name !== undefined) line += `${r.name}: `
  line += r.message
  if (r.context !== undefined) line += ` ${safeJson(r.context)}`
  return line
}

/** The whole line in the level's colour, as the reference. */
export function colorize(level: LogLevel, line: string): string {
  return `${LEVEL_COLORS[level] ?? ''}${line}${ANSI_RESET}`
}

/** One JSON object: `{"time","level","name"?,"caller"?,"message","context"?}`; time is ISO 8601 UTC. */
export function formatJson(r: LogRecord, showCaller: boolean): string {
  let line = `{"time":"${isoTime(r.time)}","level":"${levelName(r.level)}"`
  if (r.name !== undefined) line += `,"name":${JSON.stringify(r.name)}`
  if (showCaller && r.caller !== undefined) line += `,"caller":${JSON.stringify(r.caller)}`
  line += `,"message":${JSON.stringify(r.message)}`
  if (r.context !== undefined) line += `,"context":${safeJson(r.context)}`
  return `${line}}`
}

export function levelTag(level: LogLevel): string {
  return LEVEL_TAGS[level] ?? String(level).padEnd(5)
}

export function levelName(level: LogLevel): string {
  return Levels[level] ?? `LEVEL${level}`
}

// Formatting a date is the costly part of a line; the part that changes once a second is cached.
let localSecond = Number.NaN
let localPrefix = ''
let utcSecond = Number.NaN
let utcPrefix = ''

/** `HH:MM:SS.mmm` in local time. */
export function localClock(ms: number): string {
  const t = Math.floor(ms)
  const second = Math.floor(t / 1000)
  if (second !== localSecond) {
    const d = new Date(t)
    localPrefix = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.`
    localSecond = second
  }
  return localPrefix + pad3(t - second * 1000)
}

/** `2024-05-01T14:23:45.123Z`. */
export function isoTime(ms: number): string {
  const t = Math.floor(ms)
  const second = Math.floor(t / 1000)
  if (second !== utcSecond) {
    utcPrefix = new Date(second * 1000).toISOString().slice(0, 20)
    utcSecond = second
  }
  return `${utcPrefix}${pad3(t - second * 1000)}Z`
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`
}
