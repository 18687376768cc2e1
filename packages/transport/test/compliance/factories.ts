import {
  type Connection,
  connect,
  createConnectionPair,
  createServerTransport,
  type ServerTransport,
} from '../../src/index.js'
import { waitFor } from '../helpers.js'
import type { ConnectionFactory, OpenedPair } from './connection-suite.js'
import type { CoreUnderTest } from './server-transport-suite.js'

/** Pairs from a real server transport and client on 127.0.0.1 (port 0), for a core (plain or TLS). */
export function socketFactory(cut: CoreUnderTest): ConnectionFactory {
  return {
    name: `${cut.name} core`,
    async open(options = {}): Promise<OpenedPair> {
      const server: ServerTransport = createServerTransport({
        host: '127.0.0.1',
        port: 0,
        core: cut.core,
        ...cut.init,
        ...cut.serverInit,
        ...options,
      })
      let b: Connection | undefined
      server.onConnection((conn) => {
        b = conn // no handler: the suite sets it
      })
      const { port } = await server.listen()
      let a: Connection
      try {
        a = await connect({
          host: '127.0.0.1',
          port,
          core: cut.core,
          ...cut.init,
          ...cut.clientInit,
          ...options,
        })
        await waitFor(() => b !== undefined, 10_000, 'accepted connection')
      } catch (err) {
        await server.close()
        throw err
      }
      return { a, b: b!, dispose: () => server.close() }
    },
  }
}

/** The in-memory pair (`createConnectionPair`). */
export const pairFactory: ConnectionFactory = {
  name: 'in-memory pair',
  destroyedPeerReasons: ['reset'],
  open(options = {}): Promise<OpenedPair> {
    const [a, b] = createConnectionPair(options)
    return Promise.resolve({ a, b })
  },
}
