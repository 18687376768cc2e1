/**
 * @packageDocumentation
 * Veltix for TypeScript: a TCP messaging library for Node.js, wire-compatible with Python Veltix 1.6.3.
 * `Server` and `Client` assemble the codec, transport, session and router packages. This root exports what an
 * application uses; each layer's public part is a subpath (`veltix/codec`, `veltix/transport`,
 * `veltix/session`, `veltix/router`, `veltix/logger`), and every name means one thing across all of them.
 * Security options, all off by default: `encryption` ('optional' | 'required', with `identity` on the server and
 * `serverKey` / `trustOnFirstUse` on the client), `authenticate` + `token`, `limits`, and `tls`. An option
 * the constructor does not know throws `UnknownOptionError` naming it (with the nearest known key).
 *
 * @example
 * ```ts
 * import { Client, MessageType, Request, Server } from 'veltix'
 *
 * const CHAT = new MessageType(200, 'chat')
 * const server = new Server({ host: '127.0.0.1', port: 0 })
 * server.onRecv((client, response) => client.send(new Request(CHAT, `Echo: ${response.text()}`)))
 * await server.start()
 *
 * const client = new Client({ serverAddr: '127.0.0.1', port: server.port })
 * client.onRecv((response) => console.log(response.text())) // Echo: hi
 * await client.connect() // true after the handshake
 * client.send(new Request(CHAT, 'hi'))
 * // ...
 * await client.disconnect()
 * await server.closeAll()
 * ```
 */

// The wire: message types, requests, responses, payload helpers, codec errors.
export {
  CodecError,
  DEFAULT_MAX_MESSAGE_SIZE,
  decodeJson,
  decodeUtf8,
  encodeJson,
  encodeUtf8,
  InvalidMessageTypeError,
  InvalidRequestIdError,
  MessageType,
  MessageTypeRegistry,
  PayloadDecodeError,
  type PayloadInput,
  Request,
  type RequestInit,
  Response,
} from '@veltix/codec'
// The logger (also at `veltix/logger`).
export { Logger, type LoggerConfig, type LoggerLike, LogLevel, noopLogger } from '@veltix/logger'
// The decorator form of routes (also at `veltix/router`).
export { handles } from '@veltix/router'
// Session states and errors.
// End-to-end encryption: key helpers, trust stores, errors (also at `veltix/session`).
export {
  AbortError,
  AuthenticationError,
  BadSignatureError,
  type ClientAuthPolicy,
  ConnectionClosedError,
  DecryptError,
  DisconnectReason,
  type DisconnectState,
  DowngradeError,
  EncryptionRequiredError,
  exportIdentity,
  FileTrustStore,
  fingerprint,
  generateIdentity,
  HandshakeError,
  HandshakeMessageError,
  HandshakeTimeoutError,
  type IdentityKeyPair,
  type KeyPin,
  loadIdentity,
  loadPublicKey,
  MemoryTrustStore,
  NotConnectedError,
  OfflineQueueFullError,
  type OfflineQueueInit,
  publicKeyToPem,
  ReorderError,
  ReplayError,
  RequestIdsExhaustedError,
  ResumeBufferFullError,
  ResumeExpiredError,
  ResumeProtocolError,
  type ResumeStats,
  SecureConfigError,
  SecureError,
  SecureHandshakeError,
  SecureProtocolError,
  ServerFullError,
  ServerRefusedError,
  SessionError,
  TruncatedStreamError,
  type TrustStore,
  UnknownWireError,
  UntrustedKeyError,
  VersionMismatchError,
  type WaitOptions,
} from '@veltix/session'
// Socket-level settings and the connection type.
export {
  BufferSize,
  type ClientTlsOptions,
  PerformanceMode,
  type ServerTlsOptions,
  SocketCore,
  TlsError,
} from '@veltix/transport'
export { Client, type ClientInit, type ConnectInfo } from './client.js'
export { ClientConnection, ClientInfo } from './client-info.js'
export {
  type ClusterAdapter,
  type ClusterBroadcastOptions,
  type ClusterClient,
  type ClusterFetchOptions,
  type ClusterFilter,
  type ClusterHost,
  type ClusterMessageHandler,
  type ClusterNode,
  type ClusterReply,
  type ClusterTagFilter,
  ClusterUnavailableError,
  type ClusterWaitOptions,
  ServerCluster,
} from './cluster.js'
export {
  type AuthInfo,
  ClientConfig,
  type ClientConfigInit,
  type CommonConfigInit,
  type EncryptionPolicy,
  type LimitsInit,
  ServerConfig,
  type ServerConfigInit,
  type UnknownTypePolicy,
} from './config.js'
export {
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_ENCRYPTION,
  DEFAULT_HANDSHAKE_TIMEOUT,
  DEFAULT_HOST,
  DEFAULT_MAX_CONNECTION,
  DEFAULT_PORT,
  DEFAULT_REQUEST_TIMEOUT,
  DEFAULT_RETRY,
  DEFAULT_RETRY_DELAY,
  DEFAULT_SERVER_ADDR,
} from './constants.js'
export {
  ConfigError,
  RateLimitError,
  ServerStateError,
  UnavailableOptionError,
  UnknownClientError,
  UnknownOptionError,
} from './errors.js'
export { Events } from './events.js'
export { formatBytes } from './format-bytes.js'
export type { Listener, ListenerContext } from './listeners.js'
export {
  AttachMode,
  Permission,
  type PluginContext,
  type PluginDisconnectInfo,
  PluginPermissionError,
  VeltixBasePlugin,
} from './plugins/plugin.js'
export { type Handler, RequestHandler, type TypedHandler } from './request-handler.js'
export type { ClientResumeInit, ServerResumeInit } from './resume-config.js'
export { Sender, type SendTarget } from './sender.js'
export { Server, type ServerDisconnectInfo } from './server.js'
export { ServerConnection } from './server-connection.js'
export type { ClientStats, ConnectionStats, ServerStats } from './stats.js'
export { Tags, type TagValue } from './tags.js'
export {
  bytesCodec,
  defineMessage,
  jsonCodec,
  type PayloadCodec,
  TypedMessageType,
  TypedRequest,
  type TypedResponse,
  textCodec,
} from './typed-message.js'
export type { ClientProtocol, ServerProtocol } from './wire2.js'
