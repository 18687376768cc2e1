/** Default `nodeTimeout` (ms): a node silent this long leaves `nodes()` and `fetchClients`. */
export const DEFAULT_NODE_TIMEOUT = 10_000
/** Longest default heartbeat interval (ms); shorter when `nodeTimeout / 3` is. */
export const MAX_DEFAULT_HEARTBEAT_INTERVAL = 1000
/** Default `connectTimeout` (ms): how long `server.start()` waits for Redis before going on without it. */
export const DEFAULT_CONNECT_TIMEOUT = 2000
/** Default `commandTimeout` (ms): a Redis command not answered by then rejects the cluster call. */
export const DEFAULT_COMMAND_TIMEOUT = 2000
/** Default `keyPrefix` of every channel and key this package uses. */
export const DEFAULT_KEY_PREFIX = 'veltix'
/** Longest wait between two reconnect attempts to Redis (ms). */
export const MAX_RECONNECT_DELAY = 1000
