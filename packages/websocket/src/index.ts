/**
 * @packageDocumentation
 * Veltix over WebSocket, server side: a listener that lets one Veltix `Server` take clients over WebSocket
 * (browsers, with `veltix/browser`) beside its TCP clients. Each binary WebSocket message carries exactly one
 * whole Veltix frame (22-byte header, CRC-32), handshake included, so the server runs the same session on a
 * WebSocket as on a TCP connection: handlers, `ClientInfo`, tags, routes, broadcast, encryption, limits and
 * stats are shared. Bad input closes that connection with a typed error and a WebSocket close code.
 *
 * @example
 * ```ts
 * import { MessageType, Request, Server } from 'veltix'
 * import { webSocketListener } from '@veltix/websocket'
 *
 * const CHAT = new MessageType(200, 'chat')
 * const ws = webSocketListener({ port: 8081, path: '/veltix' })
 * const server = new Server({ port: 8080, listeners: [ws] })
 * // TCP and WebSocket clients meet the same routes and broadcasts.
 * server.route(CHAT, (response) =>
 *   server.getSender().broadcast(new Request(CHAT, response.content), server.getAllClientsSockets()),
 * )
 * await server.start() // TCP on 8080, WebSocket on ws://host:8081/veltix
 * ```
 */
export { connectWebSocket, type WebSocketConnectInit } from './connect.js'
export { CloseCode, DEFAULT_CLOSE_TIMEOUT } from './constants.js'
export {
  FrameChecksumError,
  MessageTooLargeError,
  NotOneFrameError,
  OriginNotAllowedError,
  TextMessageError,
  WebSocketListenerError,
  WebSocketProtocolError,
} from './errors.js'
export {
  type ListenerContext,
  type RefusedUpgradeInfo,
  WebSocketListener,
  type WebSocketListenerInit,
  type WebSocketListenerStats,
  webSocketListener,
} from './listener.js'
export { WebSocketConnection } from './websocket-connection.js'
