import type { Socket } from 'node:net'
import type { ResolvedOptions } from './options.js'
import { SocketConnection } from './socket-connection.js'

/** What a core provides to the (shared) server and client code: how a socket becomes a connection. */
export interface CoreRuntime {
  createConnection(id: number, socket: Socket): SocketConnection
  /** Called once when the owner is done (server closed, client connection closed): frees threads etc. */
  release(): Promise<void>
}

/** A `release` with nothing to free (the loop core): `connect` then keeps no callback per connection. */
export const releaseNothing = (): Promise<void> => Promise.resolve()

/** The loop core: everything on the main event loop. */
export function loopRuntime(opts: ResolvedOptions): CoreRuntime {
  return {
    createConnection: (id, socket) => new SocketConnection(id, socket, opts),
    release: releaseNothing,
  }
}
