import type { Request } from '@veltix/codec'
import type { Connection } from '@veltix/transport'
import type { ClientConnection, ClientInfo } from './client-info.js'
import type { ServerConnection } from './server-connection.js'

/**
 * Where a message goes. On a server: a `ClientInfo` or its `conn`. On a client: nothing (its one connection),
 * or `client.connection` (a `ServerConnection`).
 */
export type SendTarget = ClientInfo | ClientConnection | ServerConnection | Connection

/** What a `Sender` needs from its server or client (internal). `R` is the backend's own recipient. */
export interface SenderBackend<R> {
  /** The recipient behind `target`, undefined when it is not one of this backend's. */
  resolve(target: SendTarget): R | undefined
  closed(recipient: R): boolean
  /** Sends to `to` (undefined: none given, which only a client accepts); true when the frame was accepted. */
  send(request: Request, to: R | undefined): boolean
  /** Sends the same frame to each of `to` (open, distinct); returns how many accepted it. */
  broadcast(request: Request, to: R[]): number
  /**
   * Optional fast path of a broadcast without a list: sends to every open default target not in `skip`,
   * iterating its own collection (no array or set per call).
   */
  broadcastAll?(request: Request, skip: ReadonlySet<R> | undefined): number
  /** Every recipient a broadcast without a list goes to. */
  defaultTargets(): Iterable<R>
}

/**
 * Sends messages (the reference's `Sender`): `server.sender` / `client.sender` (or `getSender()`).
 * `send` never throws for a closed or failed connection: it returns false.
 */
export class Sender {
  readonly #backend: SenderBackend<unknown>

  /** @internal Built by `Server` and `Client`. */
  constructor(backend: SenderBackend<unknown>) {
    this.#backend = backend
  }

  /**
   * Queues `request` for sending and returns whether the connection accepted it — false, never a throw,
   * when the connection is closing or closed, or its outbound queue is full. On a server, `target` is
   * required (`client.conn` or the `ClientInfo`); on a client it is ignored.
   */
  send(request: Request, target?: SendTarget): boolean {
    const b = this.#backend
    const to = target === undefined ? undefined : b.resolve(target)
    if (to !== undefined && b.closed(to)) return false
    return b.send(request, to)
  }

  /**
   * Sends `request` to every connection of `targets` (default: every client of the server) except those in
   * `except`, encoding the frame once. Returns how many connections accepted it; closed ones are skipped.
   */
  broadcast(request: Request, targets?: Iterable<SendTarget>, except?: Iterable<SendTarget>): number {
    const b = this.#backend
    if (targets === undefined && b.broadcastAll !== undefined) {
      // To everyone: no list to build; a set only when there is something to leave out.
      let skip: Set<unknown> | undefined
      if (except !== undefined)
        for (const t of except) {
          const r = b.resolve(t)
          if (r === undefined) continue
          skip ??= new Set()
          skip.add(r)
        }
      return b.broadcastAll(request, skip)
    }
    const skip = new Set<unknown>()
    if (except !== undefined) for (const t of except) skip.add(b.resolve(t))
    const to: unknown[] = []
    const seen = new Set<unknown>()
    const add = (r: unknown): void => {
      if (r === undefined || b.closed(r) || skip.has(r) || seen.has(r)) return
      seen.add(r)
      to.push(r)
    }
    if (targets === undefined) for (const r of b.defaultTargets()) add(r)
    else for (const t of targets) add(b.resolve(t))
    if (to.length === 0) return 0
    return b.broadcast(request, to)
  }
}
