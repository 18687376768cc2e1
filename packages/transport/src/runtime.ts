import type { Socket } from 'node:net'
import type { SocketConnection } from './loop/socket-connection.js'

/** What a core provides to the (shared) server and client code: how a socket becomes a connection. */
export interface CoreRuntime {
  createConnection(id: number, socket: Socket): SocketConnection
  /** Called once when the owner is done (server closed, client connection closed): frees threads etc. */
  release(): Promise<void>
}

/** A `release` with nothing to free (the loop core): `connect` then keeps no callback per connection. */
export const releaseNothing = (): Promise<void> => Promise.resolve()
