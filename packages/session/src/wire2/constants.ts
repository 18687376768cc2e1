/** The `v` we send: 2.0.0rc1's check reads it as 2.0.0 and accepts; 3.x only logs it. */
export const WIRE2_VERSION = '2.0.0'
/** The `pv` we send: 2.0.3+ / 3.x accept major 1. */
export const WIRE2_PROTOCOL_VERSION = '1.0'
/** Cap on one handshake message's JSON (the reference's after 3.0.1): checked from the length prefix. */
export const WIRE2_MAX_HANDSHAKE_MESSAGE = 30 * 1024
/** Request-id window a protocol-'2' server announces: keeps 2.0.0rc1 clients in the lower half. */
export const WIRE2_SERVER_ID_WINDOW = 32768
/** Window a client uses when the server's hello has no (valid) `meta.id_window` (2.0.0rc1's default). */
export const WIRE2_DEFAULT_ID_WINDOW = 30000
/** Client ids are in [0, 32767] (and below the server's window), server ids in [32768, 65535]. */
export const WIRE2_CLIENT_ID_MAX = 32767
export const WIRE2_SERVER_ID_MIN = 32768
export const WIRE2_SERVER_ID_MAX = 65535
/** The key under `meta` where two Veltix for TypeScript peers carry their extras; the reference ignores it. */
export const WIRE2_META_EXTRAS_KEY = 'vx'
