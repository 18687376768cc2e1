/** Protocol version announced in HELLO / HELLO_ACK by default: the reference's, never our package version. */
export const DEFAULT_PROTOCOL_VERSION = '1.6.3'

/** ms a connection has to complete the handshake (server: HELLO → HELLO_ACK; client: waiting for HELLO). */
export const DEFAULT_HANDSHAKE_TIMEOUT = 5_000

/** ms `sendAndWait` waits for a reply before resolving null (the reference's 5 s; also `veltix`'s `requestTimeout`). */
export const DEFAULT_REQUEST_TIMEOUT = 5_000

/** ms `ping` waits for the PONG before resolving null. */
export const DEFAULT_PING_TIMEOUT = 5_000

/** Heartbeat interval (ms) used when `heartbeat: true`; the heartbeat is off unless asked for. */
export const DEFAULT_HEARTBEAT_INTERVAL = 15_000

/**
 * Frames held before the handshake completes, by count and by payload bytes. Past either bound the peer is
 * misbehaving (a well-behaved peer sends nothing but PING before the handshake): the session fails with
 * `PreHandshakeOverflowError` and closes.
 */
export const DEFAULT_MAX_EARLY_FRAMES = 256
export const DEFAULT_MAX_EARLY_BYTES = 1_048_576

/** Reconnect defaults: no retries, 1 s between attempts, no backoff. */
export const DEFAULT_RETRY = 0
export const DEFAULT_RETRY_DELAY = 1_000
/** Backoff defaults applied when `backoff` is given without these fields. */
export const DEFAULT_BACKOFF_FACTOR = 2
export const DEFAULT_BACKOFF_MAX_DELAY = 30_000
export const DEFAULT_BACKOFF_JITTER = 0.2

/** Offline queue bounds (messages sent while a reconnect is pending). */
export const DEFAULT_OFFLINE_MAX_MESSAGES = 1_000
export const DEFAULT_OFFLINE_MAX_BYTES = 1_048_576

/** setTimeout's largest delay; longer deadlines are re-armed in steps. */
export const MAX_TIMER_DELAY = 2_147_483_647

/**
 * Encrypted sessions batch the frames sent within one tick into one sealed record, flushed at the end of the
 * tick (a microtask) or as soon as the batch reaches this many bytes. One record per frame would cost a
 * cipher object per frame; one per batch keeps encrypted throughput near the plaintext one.
 */
export const DEFAULT_SECURE_FLUSH_BYTES = 65_536

/** A batch buffer larger than this is dropped after an end-of-tick flush (idle connections stay small). */
export const SECURE_BATCH_KEEP_BYTES = 16_384

/** Capability key a server announces in its HELLO when it runs an `authenticate` hook, and a client echoes in its HELLO_ACK when it will send its token (AUTH) and wait for the verdict (AUTH_RESULT). */
export const CAP_AUTH = 'vx.auth'
