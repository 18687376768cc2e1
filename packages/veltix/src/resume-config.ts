import { DEFAULT_RESUME_MAX_BUFFERED, DEFAULT_RESUME_WINDOW } from '@veltix/session'
import { ConfigError } from './errors.js'

/** `resume` on a Server: how long a dropped connection is held, and how much it may leave unacknowledged. */
export interface ServerResumeInit {
  /** ms a dropped connection's state waits for its client; default 120 000. */
  windowMs?: number
  /** Unacknowledged bytes kept per connection (each way); a peer past it is cut. Default 4 MiB. */
  maxBufferedBytes?: number
}

/** `resume` on a Client: `true`, or its own bound. */
export interface ClientResumeInit {
  /** Unacknowledged bytes this client keeps; a server past it is cut. Default 4 MiB. */
  maxBufferedBytes?: number
}

const MAX_WINDOW = 0xffffffff // the offer carries it as a u32
/** Acks come at least every 64 KiB delivered: a smaller bound would cut a healthy peer in a burst. */
const MIN_BUFFERED = 128 * 1024

function bound(field: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(field, `must be an integer from ${min} to ${max}, got ${String(v)}`)
  }
  return v
}

function maxBuffered(v: unknown): number {
  return bound(
    'resume.maxBufferedBytes',
    v,
    DEFAULT_RESUME_MAX_BUFFERED,
    MIN_BUFFERED,
    Number.MAX_SAFE_INTEGER,
  )
}

/** The server's resolved `resume` (undefined: off). Throws `ConfigError` for a bad value. */
export function serverResume(v: unknown): Required<ServerResumeInit> | undefined {
  if (v === undefined || v === false) return undefined
  if (v === true) return { windowMs: DEFAULT_RESUME_WINDOW, maxBufferedBytes: DEFAULT_RESUME_MAX_BUFFERED }
  if (typeof v !== 'object' || v === null) {
    throw new ConfigError('resume', 'must be true, false or { windowMs?, maxBufferedBytes? }')
  }
  const o = v as ServerResumeInit
  return {
    windowMs: bound('resume.windowMs', o.windowMs, DEFAULT_RESUME_WINDOW, 1, MAX_WINDOW),
    maxBufferedBytes: maxBuffered(o.maxBufferedBytes),
  }
}

/** The client's resolved `resume` (undefined: off). Throws `ConfigError` for a bad value. */
export function clientResume(v: unknown): Required<ClientResumeInit> | undefined {
  if (v === undefined || v === false) return undefined
  if (v === true) return { maxBufferedBytes: DEFAULT_RESUME_MAX_BUFFERED }
  if (typeof v !== 'object' || v === null) {
    throw new ConfigError('resume', 'must be true, false or { maxBufferedBytes? }')
  }
  if ((v as ServerResumeInit).windowMs !== undefined) {
    throw new ConfigError('resume.windowMs', "the window is the server's option (the client learns it)")
  }
  const o = v as ClientResumeInit
  return {
    maxBufferedBytes: maxBuffered(o.maxBufferedBytes),
  }
}
