import {
  DEFAULT_COMMAND_TIMEOUT,
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_KEY_PREFIX,
  DEFAULT_NODE_TIMEOUT,
  MAX_DEFAULT_HEARTBEAT_INTERVAL,
  MAX_RECONNECT_DELAY,
} from './constants.js'

/** Options of `redisCluster`. */
export interface RedisClusterInit {
  /** `redis[s]://[[user]:password@]host[:port][/db]` */
  url: string
  /** The application's name: nodes with the same `name` (and Redis) form one cluster. */
  name: string
  /** ms; a node not heard of for this long leaves `nodes()` and `fetchClients`. Default 10 000. */
  nodeTimeout?: number
  /** ms between two heartbeats of a node; default `min(1000, nodeTimeout / 3)`. */
  heartbeatInterval?: number
  /** ms `server.start()` waits for Redis before serving without it (it keeps retrying); default 2000. */
  connectTimeout?: number
  /** ms a Redis command may take before the cluster call rejects `ClusterUnavailableError`; default 2000. */
  commandTimeout?: number
  /** Longest wait between two reconnect attempts (ms); default 1000. */
  maxReconnectDelay?: number
  /** Prefix of every channel and key; default `'veltix'`. */
  keyPrefix?: string
}

export type ResolvedOptions = Required<RedisClusterInit>

/** A `redisCluster` option has a wrong type or value; `field` names it. */
export class RedisClusterConfigError extends TypeError {
  readonly code = 'VELTIX_ERR_REDIS_CONFIG'
  readonly field: string
  constructor(field: string, message: string) {
    super(`redisCluster ${field}: ${message}`)
    this.name = 'RedisClusterConfigError'
    this.field = field
  }
}

const NAME = /^[A-Za-z0-9_.-]{1,100}$/

export function resolveOptions(init: RedisClusterInit): ResolvedOptions {
  if (init === null || typeof init !== 'object')
    throw new RedisClusterConfigError('options', 'an object is needed')
  const { url, name } = init
  if (typeof url !== 'string' || !/^rediss?:\/\/./.test(url)) {
    throw new RedisClusterConfigError('url', `a redis:// or rediss:// URL is needed, got ${String(url)}`)
  }
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new RedisClusterConfigError('name', 'letters, digits, _ . - (1 to 100 of them) are needed')
  }
  const nodeTimeout = ms(init, 'nodeTimeout', DEFAULT_NODE_TIMEOUT)
  const heartbeatInterval = ms(
    init,
    'heartbeatInterval',
    Math.max(1, Math.min(MAX_DEFAULT_HEARTBEAT_INTERVAL, Math.floor(nodeTimeout / 3))),
  )
  if (heartbeatInterval >= nodeTimeout) {
    throw new RedisClusterConfigError('heartbeatInterval', `must be below nodeTimeout (${nodeTimeout})`)
  }
  const keyPrefix = init.keyPrefix ?? DEFAULT_KEY_PREFIX
  if (typeof keyPrefix !== 'string' || !NAME.test(keyPrefix)) {
    throw new RedisClusterConfigError('keyPrefix', 'letters, digits, _ . - (1 to 100 of them) are needed')
  }
  return {
    url,
    name,
    nodeTimeout,
    heartbeatInterval,
    connectTimeout: ms(init, 'connectTimeout', DEFAULT_CONNECT_TIMEOUT),
    commandTimeout: ms(init, 'commandTimeout', DEFAULT_COMMAND_TIMEOUT),
    maxReconnectDelay: ms(init, 'maxReconnectDelay', MAX_RECONNECT_DELAY),
    keyPrefix,
  }
}

function ms(init: RedisClusterInit, field: keyof RedisClusterInit, fallback: number): number {
  const v = init[field] ?? fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new RedisClusterConfigError(field, `a positive integer of ms is needed, got ${String(v)}`)
  }
  return v
}
