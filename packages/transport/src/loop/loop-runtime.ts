import type { ResolvedOptions } from '../options.js'
import { type CoreRuntime, releaseNothing } from '../runtime.js'
import { SocketConnection } from './socket-connection.js'

/** The loop core: everything on the main event loop. */
export function loopRuntime(opts: ResolvedOptions): CoreRuntime {
  return {
    createConnection: (id, socket) => new SocketConnection(id, socket, opts),
    release: releaseNothing,
  }
}
