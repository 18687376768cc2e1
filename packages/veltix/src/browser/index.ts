/**
 * `veltix/browser`: a Veltix client for web pages, over a WebSocket to a server with a
 * `webSocketListener` (`@veltix/websocket`). One self-contained ES module: no Node built-ins, no bare
 * imports; the codec works on `Uint8Array` with a JS CRC-32 and is byte-identical to the Node one.
 *
 * @example
 * ```js
 * import { Client, MessageType, Request, Events } from 'veltix/browser'
 * const CHAT = new MessageType(200, 'chat')
 * const client = new Client({ url: 'ws://127.0.0.1:8081/veltix', retry: 5 })
 * client.setCallback(Events.ON_RECV, (response) => console.log(response.text()))
 * if (await client.connect()) client.getSender().send(new Request(CHAT, 'hi'))
 * const reply = await client.sendAndWait(new Request(CHAT, 'echo?'), { timeout: 5000 })
 * const ms = await client.pingServer()
 * await client.disconnect()
 * ```
 */

export { HEADER_SIZE, PROTOCOL_VERSION } from '../../../codec/src/constants.js'
export {
  ChecksumMismatchError,
  CodecError,
  FrameTooLargeError,
  InvalidHelloPayloadError,
  InvalidMessageTypeError,
  InvalidRequestIdError,
  MalformedFrameError,
  PayloadDecodeError,
} from '../../../codec/src/errors.js'
export { MessageType, MessageTypeRegistry } from '../../../codec/src/message-type.js'
export { decodeJson, decodeUtf8, encodeJson, encodeUtf8 } from '../../../codec/src/payload.js'
export { DisconnectReason, type DisconnectState } from '../../../session/src/client/disconnect.js'
export {
  AbortError,
  AuthenticationError,
  ConnectionClosedError,
  DuplicateRequestIdError,
  HandshakeError,
  HandshakeTimeoutError,
  NotConnectedError,
  PreHandshakeOverflowError,
  ServerRefusedError,
  SessionError,
  VersionMismatchError,
} from '../../../session/src/errors.js'
export { ConnectError } from '../../../transport/src/errors.js'
export { Events } from '../events.js'
export {
  bytesCodec,
  defineMessage,
  jsonCodec,
  type PayloadCodec,
  TypedMessageType,
  TypedRequest,
  type TypedResponse,
  textCodec,
} from '../typed-message.js'
export { Client } from './client.js'
export { crc32, decodeFrame, encodeFrame, type Frame } from './codec.js'
export { UnsupportedFeatureError, WebSocketClosedError } from './errors.js'
export { type PayloadInput, Request, type RequestInit, Response } from './message.js'
export type {
  BackoffInit,
  BrowserClientStats,
  BrowserLogger,
  ClientInit,
  WaitOptions,
  WebSocketConstructor,
  WebSocketLike,
} from './options.js'
