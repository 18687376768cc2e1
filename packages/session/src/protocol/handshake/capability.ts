import type { Capabilities, Frame, MessageType, MessageTypeRegistry } from '@veltix/codec'
import type { LoggerLike, LogLevel } from '@veltix/logger'
import type { Connection, SendResult } from '@veltix/transport'
import type { SecureLink, SecureLinkHost } from '../secure-link.js'
import type { SessionCloseReason } from '../types.js'

/** What a capability sees of its session while the handshake runs. @internal */
export interface HandshakeContext extends SecureLinkHost {
  readonly role: 'server' | 'client'
  /** This side's protocol version. */
  readonly protocolVersion: string
  /** The raw connection (`wrap` puts a link around it). */
  readonly connection: Connection
  /** Where the session's frames go out now: the raw connection, or the link last put around it. */
  readonly out: Connection
  readonly registry: MessageTypeRegistry
  /** The id of this connection's HELLO: the handshake's own frames carry it. */
  readonly helloId: number
  readonly peerVersion: string | undefined
  /** What the peer announced (empty until its HELLO / HELLO_ACK is read, and for a reference peer). */
  readonly peerCapabilities: Capabilities
  /** The session, for the application's hooks (e.g. `authenticate(info, session)`). */
  readonly session: unknown
  /** True once a secure link carries the session's frames. */
  readonly encrypted: boolean
  /** The peer's authenticated identity key on an encrypted session. */
  readonly peerIdentity: Uint8Array | undefined
  readonly closed: boolean
  /** Sends one frame as the session does: through its link (sealed once one is up), counted in its stats. */
  send(code: number, requestId: number, payload: Uint8Array): SendResult
  /** Puts `link` between the session and its connection: every later frame in and out goes through it. */
  wrap(link: SecureLink): void
  /** This capability's phase is over: the next one starts, or the handshake completes. */
  next(): void
  /** Ends the session gracefully after what was sent (e.g. a refusal), reporting `reason`. */
  refuse(error: Error, reason: SessionCloseReason): void
  /** A non-fatal problem: logged and passed to `onError`. */
  report(error: Error, what: string): void
  /** The session's logger for a line at `level`, or undefined when that level is off. */
  log(level: LogLevel): LoggerLike | undefined
}

/**
 * One capability of the handshake, as ws's extension objects: negotiated in the HELLO / HELLO_ACK capability
 * block (`offer` on the server, `accept` on the client), then a phase of its own (`start`, `frame`) — the
 * phases run one after the other, in registration order, after the HELLO_ACK and before `onReady` — and
 * `cleanup` once the handshake is over. Any hook may throw: the session then fails with 'handshake-failed'.
 * Authentication (`auth.ts`) and encryption (`encryption.ts`) are the two built in; see the README to add one.
 */
export interface HandshakeCapability {
  /** For logs. */
  readonly name: string
  /** Message types its phase uses, registered in the session's registry (an existing one with the code stays). */
  readonly types?: readonly MessageType[]
  /** Server, building its HELLO: adds this capability's entries to `caps` (the application's are in it). */
  offer?(caps: Map<string, Uint8Array>, ctx: HandshakeContext): void
  /**
   * Client, answering the HELLO: reads the server's entries (`offered`, null for a HELLO without a block, as
   * a reference server sends) and adds this capability's own to `caps` (the HELLO_ACK's).
   */
  accept?(offered: Capabilities | null, caps: Map<string, Uint8Array>, ctx: HandshakeContext): void
  /**
   * Both sides, once both payloads are known, before the phases: the exact HELLO and HELLO_ACK bytes (`ack`
   * undefined when a lenient server completed on another frame), for a capability that binds them.
   */
  exchanged?(hello: Uint8Array, ack: Uint8Array | undefined, ctx: HandshakeContext): void
  /** Its phase: calls `ctx.next()` when done, at once or once frames came and went. */
  start(ctx: HandshakeContext): void
  /** A frame while its phase runs: true when it was the phase's (others are held until `onReady`). */
  frame?(f: Frame, ctx: HandshakeContext): boolean
  /** The handshake ended, completed or not: drop what it holds. */
  cleanup?(): void
}

/** Makes a session's capability from its options; undefined when the session does not use it. @internal */
export type CapabilityFactory<I> = (init: I, role: 'server' | 'client') => HandshakeCapability | undefined
