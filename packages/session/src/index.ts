/**
 * @packageDocumentation
 * The Veltix session layer, over one `@veltix/transport` connection: the HELLO / HELLO_ACK handshake
 * (interoperable with Python Veltix 1.6.3 both ways, hardened: per-connection HELLO id, strict HELLO_ACK check,
 * handshake timeout, held early frames), ping/pong, request correlation with one timer per session, an optional
 * heartbeat, and — client side — a `Reconnector` with retries, backoff and a bounded offline queue. Optional
 * end-to-end encryption (`SessionInit.encryption`: X25519 / HKDF-SHA256 / ChaCha20-Poly1305, Ed25519 server
 * identity, negotiated so a reference peer stays plain) and server-side authentication (`authenticate` /
 * `token`), both off by default; see README.md and src/secure/README.md.
 *
 * ```ts
 * const identity = generateIdentity()                                   // server; loadIdentity(pem) in practice
 * new Session({ connection, role: 'server', encryption: { policy: 'required', identity },
 *               authenticate: (info) => Buffer.from(info.token ?? []).toString() === 's3cret' })
 * new Reconnector({ transport, session: { token: 's3cret',
 *   encryption: { policy: 'required', serverKey: fingerprint(identity.publicKey) } } })
 * ```
 *
 * @example
 * ```ts
 * import { MessageType, MessageTypeRegistry, Request } from '@veltix/codec'
 * import { createServerTransport } from '@veltix/transport'
 * import { Reconnector, Session } from '@veltix/session'
 *
 * const ECHO = new MessageType(201, 'echo')
 * const registry = new MessageTypeRegistry()
 * registry.register(ECHO)
 *
 * const server = createServerTransport({ host: '127.0.0.1', port: 0, registry })
 * server.onConnection((connection) => {
 *   new Session({
 *     connection, role: 'server', registry,
 *     onMessage: (res, s) => s.send(new Request(res.type, res.content, { requestId: res.id })),
 *   })
 * })
 * const { port } = await server.listen()
 *
 * const client = new Reconnector({ transport: { host: '127.0.0.1', port, registry }, session: { registry }, retry: 3 })
 * await client.connect()                                   // resolves after the handshake
 * const reply = await client.sendAndWait(new Request(ECHO, 'hi'), { timeout: 2000 })
 * console.log(reply?.text(), reply?.latency)               // 'hi', round trip in ms
 * await client.disconnect()
 * await server.close()
 * ```
 */
export { DisconnectReason, type DisconnectState } from './client/disconnect.js'
export type { OfflineQueueInit } from './client/offline-queue.js'
export {
  type BackoffInit,
  type Dialer,
  Reconnector,
  type ReconnectorInit,
  type ReconnectorSessionInit,
  type ReconnectorState,
} from './client/reconnector.js'
export {
  DEFAULT_BACKOFF_FACTOR,
  DEFAULT_BACKOFF_JITTER,
  DEFAULT_BACKOFF_MAX_DELAY,
  DEFAULT_HANDSHAKE_TIMEOUT,
  DEFAULT_HEARTBEAT_INTERVAL,
  DEFAULT_MAX_EARLY_BYTES,
  DEFAULT_MAX_EARLY_FRAMES,
  DEFAULT_OFFLINE_MAX_BYTES,
  DEFAULT_OFFLINE_MAX_MESSAGES,
  DEFAULT_PING_TIMEOUT,
  DEFAULT_PROTOCOL_VERSION,
  DEFAULT_REQUEST_TIMEOUT,
  DEFAULT_RETRY,
  DEFAULT_RETRY_DELAY,
  DEFAULT_SECURE_FLUSH_BYTES,
} from './constants.js'
export {
  AbortError,
  AuthenticationError,
  ConnectionClosedError,
  DuplicateRequestIdError,
  HandshakeError,
  HandshakeTimeoutError,
  HeartbeatTimeoutError,
  NotConnectedError,
  OfflineQueueFullError,
  PreHandshakeOverflowError,
  SendRejectedError,
  ServerRefusedError,
  SessionError,
  VersionMismatchError,
} from './errors.js'
export type { AuthenticateInfo } from './protocol/handshake/auth.js'
export {
  COMPRESSED_CODE,
  COMPRESSION_KEY,
  CompressionBombError,
  type CompressionInit,
  DEFAULT_COMPRESSION_THRESHOLD,
  DecompressionError,
} from './protocol/handshake/compression.js'
export {
  type EncryptionPolicy,
  type SessionEncryptionInit,
  validateEncryption,
} from './protocol/handshake/encryption.js'
export { RESUME_KEY, type ResumeOptions } from './protocol/handshake/resume.js'
export { ResumeBufferFullError, ResumeExpiredError, ResumeProtocolError } from './protocol/resume/errors.js'
export { RESUME_ACK_CODE, RESUME_CODE } from './protocol/resume/link.js'
export {
  DEFAULT_RESUME_MAX_BUFFERED,
  DEFAULT_RESUME_WINDOW,
  ResumeClient,
  type ResumeClientInit,
  type ResumeServerInit,
  type ResumeStats,
  ResumeStore,
} from './protocol/resume/state.js'
export { Session, type SessionInit } from './protocol/session.js'
export type {
  HandshakeMode,
  HeartbeatInit,
  SessionCloseInfo,
  SessionCloseReason,
  SessionStats,
  WaitOptions,
} from './protocol/types.js'
export type { ClientAuthPolicy } from './secure/capabilities.js'
export { DEFAULT_MAX_RECORDS, SECURE_OVERHEAD } from './secure/constants.js'
// End-to-end encryption: its errors, identity keys and trust stores (the handshake and channel stay inside).
export {
  BadSignatureError,
  ChannelClosedError,
  DecryptError,
  DowngradeError,
  EncryptionRequiredError,
  ReorderError,
  ReplayError,
  SecureConfigError,
  SecureError,
  SecureHandshakeError,
  SecureProtocolError,
  SequenceExhaustedError,
  TruncatedStreamError,
  UntrustedKeyError,
} from './secure/errors.js'
export {
  exportIdentity,
  fingerprint,
  generateIdentity,
  type IdentityKeyPair,
  type KeyPin,
  loadIdentity,
  loadPublicKey,
  publicKeyToPem,
} from './secure/keys.js'
export { FileTrustStore, MemoryTrustStore, type TrustStore } from './secure/trust-store.js'
export * from './wire2/index.js'
