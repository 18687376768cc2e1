/**
 * The seam every connection implementation plugs into: the loop core, the worker core, TLS, the in-memory
 * pair (and whatever comes next, e.g. a WebSocket connection) all implement `Connection` and pass the one
 * compliance suite (`test/compliance/`). The layers above (session, veltix) see only this interface.
 */
import type { PeerCertificate } from 'node:tls'
import type { CodecError, Frame } from '@veltix/codec'

/** Outcome of `Connection.send`. `ok` and `backpressure` mean the frame was accepted and will be written whole. */
export type SendResult =
  /** Queued; the outbound queue is under its high-water mark. */
  | 'ok'
  /** Queued, but the outbound queue is now over its high-water mark: wait for the `drain` callback. */
  | 'backpressure'
  /** Not accepted: the connection is closing or closed. */
  | 'closed'
  /** Not accepted: it would take the queue over the hard cap (`overflowPolicy: 'error'`), or the connection was closed for it (`'close'`). */
  | 'overflow'

/** Why a connection closed. Reported once per connection. */
export type CloseReason =
  /** `close()` / `destroy()` on this side. */
  | 'local'
  /** The peer ended the stream (FIN). */
  | 'remote-end'
  /** The peer reset the connection (ECONNRESET / EPIPE). */
  | 'reset'
  /** A socket error other than a reset; see `error`. */
  | 'error'
  /** A fatal decoding error (e.g. `FrameTooLargeError`); see `error`. */
  | 'protocol-error'
  /** The outbound queue hit its hard cap with `overflowPolicy: 'close'`. */
  | 'overflow'
  /** Refused because the server was at `maxConnection`. */
  | 'max-connections'
  /** The server transport is closing. */
  | 'server-closed'

export interface CloseInfo {
  reason: CloseReason
  error?: Error
}

/** What a connection calls. Set with `Connection.setHandler`; until then the connection does not read. */
export interface ConnectionHandler {
  /** A complete, CRC-checked frame, in order. The payload may be a view; copy it to keep it. */
  frame(frame: Frame): void
  /** A non-fatal decoding error (the frame was dropped), or the fatal one just before the close. */
  decodeError?(error: CodecError): void
  /** The outbound queue went back under its high-water mark. */
  drain?(): void
  /** The connection closed; called exactly once. */
  close(info: CloseInfo): void
}

/**
 * Frame counters of one transport connection (`connection.stats`). Named apart from `veltix`'s
 * `ConnectionStats` (message counters of a session), so each name means one thing.
 */
export interface FrameStats {
  framesIn: number
  framesOut: number
  bytesIn: number
  bytesOut: number
  checksumErrors: number
  unknownTypes: number
  overflowRejected: number
  /** Frames cut off by the close: part of one had arrived when the connection ended (it was discarded). */
  truncatedFrames: number
}

/** One TCP connection, moving whole frames. Same behaviour on both cores. */
export interface Connection {
  /** Unique within its transport. */
  readonly id: number
  readonly remoteAddress: string
  readonly remotePort: number
  readonly remoteFamily: 'IPv4' | 'IPv6' | string
  /** This side's address and port ('memory' and 0 for a connection pair). */
  readonly localAddress: string
  readonly localPort: number
  /** True once closing has begun (no more sends accepted). */
  readonly closed: boolean
  /** Bytes queued for sending and not yet handed to the OS. */
  readonly bufferedAmount: number
  readonly stats: Readonly<FrameStats>
  setHandler(handler: ConnectionHandler): void
  /** Queues one frame; never blocks, never writes part of a frame. */
  send(code: number, requestId: number, payload: Uint8Array, timestamp?: number): SendResult
  /** Queues bytes that are already one or more whole encoded frames (used by broadcast: encode once). */
  sendEncoded(frames: Uint8Array): SendResult
  /** Graceful close: flushes what was queued, then ends. Resolves once closed. */
  close(): Promise<void>
  /** Abrupt close: drops the queue and destroys the socket. */
  destroy(error?: Error): void
  // Added members are optional in this interface so that hand-written fakes keep compiling; every
  // connection of this package sets them.
  /** True over TLS (`tls` option). Always set by this package's connections (false for TCP and pairs). */
  readonly encrypted?: boolean
  /**
   * TLS only: the peer's certificate was verified against the trusted CAs (a client always verifies the
   * server unless told not to; a server verifies clients only with `requestCert`). False otherwise.
   */
  readonly authorized?: boolean
  /** TLS only: why the peer's certificate was not verified (when `authorized` is false), else undefined. */
  readonly authorizationError?: Error
  /** TLS only, while open: the peer's certificate (undefined for TCP, pairs, or when the peer sent none). */
  getPeerCertificate?(detailed?: boolean): PeerCertificate | undefined
}
