/** Server listening address when none is given (every IPv4 interface, as the reference). */
export const DEFAULT_HOST = '0.0.0.0'
/** Port when none is given (the reference's default). Use 0 for any free port. */
export const DEFAULT_PORT = 8080
/** Client target address when none is given. */
export const DEFAULT_SERVER_ADDR = '127.0.0.1'
/** Simultaneous connections a server accepts; -1 = unlimited (the reference's default). */
export const DEFAULT_MAX_CONNECTION = -1
/** Handshake deadline in ms (the reference's 5 s); the server closes connections that miss it. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 5000
/** Reconnection attempts after a failed connect or a lost connection (0 = none, as the reference). */
export const DEFAULT_RETRY = 0
/** Delay between reconnection attempts, in ms (the reference's 1 s). */
export const DEFAULT_RETRY_DELAY = 1000
/** `sendAndWait` / `ping` deadline when none is given, in ms (the reference's 5 s). */
export const DEFAULT_REQUEST_TIMEOUT = 5000
/** TCP connect deadline of one client attempt, in ms. */
export const DEFAULT_CONNECT_TIMEOUT = 5000
/** End-to-end encryption unless configured: off (plain 1.6.3, as the reference). */
export const DEFAULT_ENCRYPTION = 'off' as const
