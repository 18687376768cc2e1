// The browser client's options and the shapes it takes and gives.
import {
  DEFAULT_BACKOFF_FACTOR,
  DEFAULT_BACKOFF_JITTER,
  DEFAULT_BACKOFF_MAX_DELAY,
} from '../../../session/src/constants.js'

/** What the client needs of a WebSocket: the browser's, or `ws`'s in Node (`new Client({ url, WebSocket })`). */
export interface WebSocketLike {
  binaryType: string
  readonly readyState: number
  readonly bufferedAmount: number
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  send(data: Uint8Array): void
  close(code?: number, reason?: string): void
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike

/** Where the client reports what it cannot throw (default: `console`). */
export interface BrowserLogger {
  warn(message: string, ...rest: unknown[]): void
  error(message: string, ...rest: unknown[]): void
}

export interface BackoffInit {
  factor?: number
  maxDelay?: number
  jitter?: number
}

/** `new Client(init)`: only `url` is required. */
export interface ClientInit {
  /** `ws://host:port/path` or `wss://…` of a server with a `webSocketListener`. */
  url: string
  /** Retries after a failed connect or a lost connection: 0 (default) none, -1 forever. */
  retry?: number
  /** ms before each retry (the base delay with `backoff`); default 1000. */
  retryDelay?: number
  /** Exponential backoff with jitter and a cap; `true` = factor 2, cap 30 s, jitter 0.2. Default off. */
  backoff?: BackoffInit | boolean
  /** ms to open the WebSocket; default 5000. */
  connectTimeout?: number
  /** ms from the open WebSocket to a completed handshake; default 5000. */
  handshakeTimeout?: number
  /** Default timeout of `sendAndWait` and `pingServer`, ms; default 5000. */
  requestTimeout?: number
  /** Largest frame accepted (header + payload), bytes; default 10 MiB. A larger one closes the connection. */
  maxMessageSize?: number
  /** `send` returns false while the socket holds more than this many unsent bytes; default 8 MiB. */
  maxBufferedBytes?: number
  /** Sent to a server that runs an `authenticate` hook. */
  token?: string | Uint8Array
  /** Protocol version announced; default '1.6.3'. */
  protocolVersion?: string
  /** The WebSocket class; default `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor
  logger?: BrowserLogger
}

export interface WaitOptions {
  timeout?: number
  signal?: AbortSignal
}

/** Counters over every connection of this client. */
export interface BrowserClientStats {
  connected: boolean
  messagesIn: number
  messagesOut: number
  bytesIn: number
  bytesOut: number
  droppedFrames: { checksum: number; handshake: number; unsolicitedPong: number }
  pendingRequests: number
  reconnects: number
  failedAttempts: number
  lastRtt: number | undefined
}

/** The delay before retry number `attempt` (≥ 1): `retryDelay`, or the backoff's (jitter is random), as on Node. */
export function retryDelay(init: ClientInit, attempt: number): number {
  const base = Math.max(0, init.retryDelay ?? 1000)
  const b = init.backoff
  if (b === undefined || b === false) return base
  const o = b === true ? {} : b
  const d = Math.min(
    o.maxDelay ?? DEFAULT_BACKOFF_MAX_DELAY,
    base * (o.factor ?? DEFAULT_BACKOFF_FACTOR) ** (attempt - 1),
  )
  return d * (1 - Math.min(1, Math.max(0, o.jitter ?? DEFAULT_BACKOFF_JITTER)) * Math.random())
}
