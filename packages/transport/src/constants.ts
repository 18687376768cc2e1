import { BufferSize, PerformanceMode, SocketCore } from './types.js'

/** Core used when `core` is not given. */
export const DEFAULT_SOCKET_CORE = SocketCore.LOOP
/** Socket read/write high-water mark when `bufferSize` is not given (the reference's default). */
export const DEFAULT_BUFFER_SIZE = BufferSize.MEDIUM
/** Performance mode when `performanceMode` is not given. */
export const DEFAULT_PERFORMANCE_MODE = PerformanceMode.BALANCED
/** Outbound queue size (bytes not yet handed to the OS) above which `send` reports `backpressure`. */
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024
/**
 * Hard cap on one connection's outbound queue. The effective default is the larger of this and
 * `2 × maxMessageSize`, so that a frame of the largest allowed size can always be queued.
 */
export const DEFAULT_MAX_QUEUED_BYTES = 32 * 1024 * 1024
/** Default policy when a send would exceed the hard cap: reject that send, keep the connection. */
export const DEFAULT_OVERFLOW_POLICY: 'error' | 'close' = 'error'
/**
 * Listen backlog (the kernel's queue of connections accepted by TCP and not yet by Node) when `backlog` is
 * not given. Node's own default, 511, overflows when thousands of clients connect at once: Linux then drops
 * the client's final ACK, and a client whose socket is established but whose server side never is waits
 * for a HELLO that never comes. The kernel caps it at `net.core.somaxconn` (4096 on Linux >= 5.4).
 */
export const DEFAULT_BACKLOG = 4096
/** Default host of a server transport. */
export const DEFAULT_HOST = '0.0.0.0'
/**
 * Connect timeout in ms when `connectTimeout` is not given: 5 s, the one default of every Veltix client
 * (`connect`, `veltix`'s `Client` and the browser client re-use this constant).
 */
export const DEFAULT_CONNECT_TIMEOUT = 5_000
/**
 * After a graceful `close()` has flushed and sent FIN, how long (ms) we wait for the peer's FIN before
 * destroying the socket (waiting avoids a reset that could discard data the peer has not read yet).
 */
export const DEFAULT_CLOSE_TIMEOUT = 2_000

/** Write coalescing: a connection flushes early once this many bytes are queued in one tick. */
export const FLUSH_THRESHOLD: Record<PerformanceMode, number> = {
  [PerformanceMode.LOW]: 16 * 1024,
  [PerformanceMode.BALANCED]: 64 * 1024,
  [PerformanceMode.HIGH]: 256 * 1024,
}
/** TCP keep-alive initial delay (ms): how soon a silent dead peer starts being probed. */
export const KEEP_ALIVE_DELAY: Record<PerformanceMode, number> = {
  [PerformanceMode.LOW]: 60_000,
  [PerformanceMode.BALANCED]: 30_000,
  [PerformanceMode.HIGH]: 10_000,
}
/**
 * Worker core: frames of at least this many bytes (header + payload) have their CRC-32 computed in a worker
 * (about 2 GB/s here, 30+ µs at this size: more than a batch's round trip); smaller ones are cut and encoded on
 * the main thread like the loop core, which costs less than packing them for a worker and waiting for it.
 */
export const WORKER_OFFLOAD_BYTES = 64 * 1024
/** Worker core: bytes handed to a worker and not yet decoded above which the socket stops reading. */
export const WORKER_MAX_INFLIGHT_IN = 4 * 1024 * 1024
