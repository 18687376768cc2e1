import type { MessageTypeRegistry } from '@veltix/codec'
import type { LoggerLike } from '@veltix/logger'
import { type Connection, refuseConnection } from '@veltix/transport'
import type { ServerConfig } from './config.js'
import { ConfigError } from './errors.js'

/** What a server gives each of its listeners when it starts. */
export interface ListenerContext {
  /**
   * Hands over an accepted connection (call it synchronously, before the connection reads): the server runs
   * the same session on it as on a TCP connection — handshake, encryption, limits, routes, tags, broadcast.
   */
  accept(conn: Connection): void
  /** The server's `host`, for a listener that has no address of its own. */
  readonly host: string
  /** The server's `maxMessageSize` (a frame's total length, both directions). */
  readonly maxMessageSize: number
  /** The server's registry when it drops unknown types (`unknownMessageTypes: 'drop'`), else undefined. */
  readonly registry: MessageTypeRegistry | undefined
  readonly logger: LoggerLike
}

/**
 * A source of connections besides the server's own TCP port, e.g. `webSocketListener()` of
 * `@veltix/websocket`: `new Server({ listeners: [...] })` starts each one after its TCP port is listening,
 * and `closeAll()` closes them with it. A listener object can be started again after it was closed.
 */
export interface Listener {
  /** What it listens for, for logs and errors (e.g. `'websocket'`). */
  readonly kind: string
  /** Starts accepting; resolves with the bound address. A rejection fails `server.start()`. */
  listen(ctx: ListenerContext): Promise<{ host: string; port: number; family: string }>
  /** Stops accepting and closes the connections it made (graceful); resolves once they are all closed. */
  close(): Promise<void>
}

/** Checks the `listeners` option: an array of objects with `kind`, `listen` and `close`. */
export function checkListeners(value: unknown): readonly Listener[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new ConfigError('listeners', 'must be an array of listeners')
  value.forEach((l, i) => {
    const ok =
      typeof l === 'object' &&
      l !== null &&
      typeof (l as Listener).listen === 'function' &&
      typeof (l as Listener).close === 'function'
    if (!ok)
      throw new ConfigError(`listeners[${i}]`, 'must have listen(ctx) and close() (e.g. webSocketListener())')
  })
  return Object.freeze([...value] as Listener[])
}

/** Starts every listener; when one fails, the ones already started are closed and the error is rethrown. */
export async function startListeners(listeners: readonly Listener[], ctx: ListenerContext): Promise<void> {
  const started: Listener[] = []
  try {
    for (const l of listeners) {
      await l.listen(ctx)
      started.push(l)
    }
  } catch (error) {
    await closeListeners(started)
    throw error
  }
}

/** Closes every listener (each one's failure is logged, not thrown: the others still close). */
export async function closeListeners(listeners: readonly Listener[], logger?: LoggerLike): Promise<void> {
  const results = await Promise.allSettled(listeners.map((l) => l.close()))
  for (const [i, r] of results.entries()) {
    if (r.status === 'rejected')
      logger?.error(`${listeners[i]!.kind} listener: close failed`, { error: r.reason })
  }
}

/** What the server's listeners get: its accept, and the settings a connection must honour as a TCP one does. */
export function listenerContext(
  config: ServerConfig,
  registry: MessageTypeRegistry,
  accept: (conn: Connection) => void,
): ListenerContext {
  return {
    accept,
    host: config.host,
    maxMessageSize: config.maxMessageSize,
    registry: config.unknownMessageTypes === 'drop' ? registry : undefined,
    logger: config.logger,
  }
}

/**
 * `maxConnection` over every kind of connection (the TCP transport counts only its own): at the limit, the
 * connection is told why in an ERROR frame, as the transport tells a TCP client, and closed. False = refused.
 */
export function admitTotal(
  conn: Connection,
  maxConnection: number,
  live: number,
  logger: LoggerLike,
): boolean {
  if (!(maxConnection > 0 && live >= maxConnection)) return true
  const why = `server full: maxConnection ${maxConnection} reached`
  logger.warning(`${why}; refusing ${conn.remoteAddress}:${conn.remotePort}`)
  refuseConnection(conn, why).catch(() => {})
  return false
}
