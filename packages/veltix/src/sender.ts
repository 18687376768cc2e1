import type { Request } from '@veltix/codec'
import type { Connection } from '@veltix/transport'
import { ClientInfo } from './client-info.js'

/** Where a message goes: a connection, or the `ClientInfo` holding it. */
export type SendTarget = Connection | ClientInfo

/** What a `Sender` needs from its server or client (internal). */
export interface SenderBackend {
  /** Sends to `conn` (or to the only connection, on a client); true when the frame was accepted. */
  send(request: Request, conn: Connection | undefined): boolean
  /** Sends the same frame to each of `to`; returns how many accepted it. */
  broadcast(request: Request, to: Connection[]): number
  /** Every connection a broadcast without a list goes to. */
  defaultTargets(): Connection[]
}

/**
 * Sends messages (the reference's `Sender`): `server.getSender()` or `client.getSender()`.
 * `send` never throws for a closed or failed connection: it returns false.
 */
export class Sender {
  readonly #backend: SenderBackend

  /** @internal Built by `Server` and `Client`. */
  constructor(backend: SenderBackend) {
    this.#backend = backend
  }

  /**
   * Queues `request` for sending and returns whether the connection accepted it — false, never a throw,
   * when the connection is closing or closed, or its outbound queue is full. On a server, `target` is
   * required (`client.conn` or the `ClientInfo`); on a client it is ignored.
   */
  send(request: Request, target?: SendTarget): boolean {
    const conn = target instanceof ClientInfo ? target.conn : target
    if (conn?.closed) return false
    return this.#backend.send(request, conn)
  }

  /**
   * Sends `request` to every connection of `targets` (default: every client of the server) except those in
   * `except`, encoding the frame once. Returns how many connections accepted it; closed ones are skipped.
   */
  broadcast(request: Request, targets?: Iterable<SendTarget>, except?: Iterable<SendTarget>): number {
    const skip = new Set<Connection>()
    if (except !== undefined) for (const t of except) skip.add(t instanceof ClientInfo ? t.conn : t)
    const to: Connection[] = []
    const seen = new Set<Connection>()
    for (const t of targets ?? this.#backend.defaultTargets()) {
      const conn = t instanceof ClientInfo ? t.conn : t
      if (conn.closed || skip.has(conn) || seen.has(conn)) continue
      seen.add(conn)
      to.push(conn)
    }
    if (to.length === 0) return 0
    return this.#backend.broadcast(request, to)
  }
}
