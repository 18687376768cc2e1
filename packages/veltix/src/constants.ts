// One default per concept: where a lower layer already names the same default, it is the one used.
/** Server listening address when none is given (every IPv4 interface, as the reference). */

/**
 * `DEFAULT_HANDSHAKE_TIMEOUT` (5000 ms, the reference's 5 s), `DEFAULT_REQUEST_TIMEOUT` (5000 ms: the
 * `sendAndWait` / `ping` deadline when none is given, the reference's 5 s), `DEFAULT_RETRY` (0: no
 * reconnection attempt, as the reference) and `DEFAULT_RETRY_DELAY` (1000 ms between attempts): the session's.
 */
export {
  DEFAULT_HANDSHAKE_TIMEOUT,
  DEFAULT_REQUEST_TIMEOUT,
  DEFAULT_RETRY,
  DEFAULT_RETRY_DELAY,
} from '@veltix/session'
/** `DEFAULT_HOST` ('0.0.0.0') and `DEFAULT_CONNECT_TIMEOUT` (5000 ms, one TCP connect attempt): the transport's. */
export { DEFAULT_CONNECT_TIMEOUT, DEFAULT_HOST } from '@veltix/transport'
/** Port when none is given (the reference's default). Use 0 for any free port. */
export const DEFAULT_PORT = 8080
/** Client target address when none is given. */
export const DEFAULT_SERVER_ADDR = '127.0.0.1'
/** Simultaneous connections a server accepts; -1 = unlimited (the reference's default). */
export const DEFAULT_MAX_CONNECTION = -1
/** End-to-end encryption unless configured: off (plain 1.6.3, as the reference). */
export const DEFAULT_ENCRYPTION = 'off' as const
