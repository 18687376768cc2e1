/**
 * @packageDocumentation
 * Scale-out for Veltix over Redis: many servers act as one application. Broadcasts (with tag and except
 * filters), client lookups, `send` / `sendAndWait` to a client on any node, the node list and
 * server-to-server messages all go through Redis pub/sub; each cluster message is encoded and published
 * once, whatever the number of nodes.
 *
 * @example
 * ```ts
 * import { MessageType, Request, Server } from 'veltix'
 * import { redisCluster } from '@veltix/redis'
 *
 * const CHAT = new MessageType(200, 'chat')
 * const server = new Server({ port: 8080, cluster: redisCluster({ url: 'redis://127.0.0.1:6379', name: 'chat' }) })
 * await server.start() // joins the cluster
 * await server.cluster.broadcast(new Request(CHAT, 'hello, every node'), { tag: ['room', 'lobby'] })
 * const everyone = await server.cluster.fetchClients() // [{ id, nodeId, addr, tags }]
 * await server.closeAll() // leaves it
 * ```
 *
 * Delivery is at most once (Redis pub/sub): what is published while Redis or a node's link to it is down is
 * lost; messages from one node reach each other node in the order it sent them.
 */

import type { ClusterAdapter } from 'veltix'
import { type RedisClusterInit, resolveOptions } from './options.js'
import { RedisClusterAdapter } from './redis-cluster.js'

export { ClusterUnavailableError } from 'veltix'
export {
  DEFAULT_COMMAND_TIMEOUT,
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_KEY_PREFIX,
  DEFAULT_NODE_TIMEOUT,
} from './constants.js'
export { RedisClusterConfigError, type RedisClusterInit } from './options.js'

/**
 * A cluster adapter for `new Server({ cluster })`. One adapter serves one server; throws
 * `RedisClusterConfigError` on a bad option (no connection is made before `server.start()`).
 */
export function redisCluster(init: RedisClusterInit): ClusterAdapter {
  return new RedisClusterAdapter(resolveOptions(init))
}
