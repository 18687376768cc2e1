import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { DEFAULT_MAX_MESSAGE_SIZE, type MessageTypeRegistry } from '@veltix/codec'
import { type LoggerLike, noopLogger } from '@veltix/logger'
import { AbortError, ConnectError, DEFAULT_CONNECT_TIMEOUT } from '@veltix/transport'
import { WebSocket } from 'ws'
import { connectionOptions, type QueueInit, WebSocketConnection } from './websocket-connection.js'

/** Options of `connectWebSocket` (queue settings as on TCP). */
export interface WebSocketConnectInit extends QueueInit {
  /** `ws://host:port/path` or `wss://…`. */
  url: string
  /** Limit on a frame's total length, both directions (default 10 MiB); also the largest message accepted. */
  maxMessageSize?: number
  /** When given, frames of other types are reported and dropped. */
  registry?: MessageTypeRegistry
  /** ms until the upgrade must be done (default 10,000). */
  connectTimeout?: number
  /** `Origin` header to send (browsers always send one; Node sends none unless told). */
  origin?: string
  /** Extra request headers (e.g. a cookie or a token for a proxy). */
  headers?: Record<string, string>
  signal?: AbortSignal
  logger?: LoggerLike
}

let nextId = 1

/**
 * Opens a WebSocket to a Veltix WebSocket listener from Node and resolves with it as a transport `Connection`
 * (frames masked, as a client must; coalesced per tick like every connection of this package), for a client
 * `Session` or anything else that speaks frames. Rejects `ConnectError` (`causeCode`: errno, `ETIMEDOUT`, or
 * `HTTP_<status>` when the server answered without upgrading) or `AbortError`.
 */
export function connectWebSocket(init: WebSocketConnectInit): Promise<WebSocketConnection> {
  const url = new URL(init.url)
  const host = url.hostname
  const port = Number(url.port) || (url.protocol === 'wss:' ? 443 : 80)
  const maxMessageSize = init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE
  const opts = connectionOptions(init, {
    maxMessageSize,
    maxPayload: maxMessageSize,
    registry: init.registry,
    logger: init.logger ?? noopLogger,
  })
  const signal = init.signal
  if (signal?.aborted) return Promise.reject(new AbortError('connect aborted', { cause: signal.reason }))
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      maxPayload: Number.isFinite(maxMessageSize) ? maxMessageSize : 0,
      handshakeTimeout: init.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT,
      ...(init.origin === undefined ? {} : { origin: init.origin }),
      ...(init.headers === undefined ? {} : { headers: init.headers }),
    })
    let socket: Socket | undefined
    const fail = (error: Error): void => {
      signal?.removeEventListener('abort', onAbort)
      ws.removeAllListeners()
      ws.on('error', () => {})
      ws.terminate()
      reject(error)
    }
    const onAbort = (): void => fail(new AbortError('connect aborted', { cause: signal?.reason }))
    signal?.addEventListener('abort', onAbort, { once: true })
    ws.once('upgrade', (res: IncomingMessage) => {
      socket = res.socket as Socket
    })
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      fail(new ConnectError(host, port, `HTTP_${res.statusCode ?? 0}`))
    })
    ws.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? (/timed out/i.test(err.message) ? 'ETIMEDOUT' : 'ERROR')
      fail(new ConnectError(host, port, code, { cause: err }))
    })
    ws.once('open', () => {
      signal?.removeEventListener('abort', onAbort)
      ws.removeAllListeners('error')
      ws.removeAllListeners('unexpected-response')
      // Made inside 'open', before the first message can be read (ws resumes the socket on a later tick).
      const path = `${url.pathname}${url.search}`
      resolve(new WebSocketConnection(nextId++, ws, socket!, { headers: {}, url: path }, opts, 'client'))
    })
  })
}
