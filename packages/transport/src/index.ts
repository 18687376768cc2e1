/**
 * @packageDocumentation
 * Veltix transport: TCP connections that move whole frames (the 22-byte-header Veltix frames of
 * `@veltix/codec`), for servers and clients, behind one interface with two cores: the event-loop core
 * (`SocketCore.LOOP`, default) and the worker-thread core (`SocketCore.WORKER`). It knows nothing about
 * handshakes or routes. `createConnectionPair` gives two connected in-memory connections for unit tests.
 *
 * @example
 * ```ts
 * import { connect, createServerTransport } from '@veltix/transport'
 *
 * const server = createServerTransport({ host: '127.0.0.1', port: 0 })
 * server.onConnection((conn) => {
 *   conn.setHandler({
 *     frame: (f) => conn.send(f.code, f.requestId, f.payload), // echo
 *     close: (info) => console.log('server side closed:', info.reason),
 *   })
 * })
 * const { port } = await server.listen()
 *
 * const client = await connect({ host: '127.0.0.1', port })
 * client.setHandler({
 *   frame: (f) => {
 *     console.log(f.code, Buffer.from(f.payload).toString()) // 200 hi
 *     void client.close()
 *   },
 *   close: (info) => console.log('client closed:', info.reason), // local
 * })
 * client.send(200, 1, Buffer.from('hi'))
 * ```
 */
export { connect } from './connect.js'
export type {
  CloseInfo,
  CloseReason,
  Connection,
  ConnectionHandler,
  FrameStats,
  SendResult,
} from './connection.js'
// The defaults a user sees (internal tunings stay internal: see the README).
export {
  DEFAULT_BACKLOG,
  DEFAULT_BUFFER_SIZE,
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_HOST,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_OVERFLOW_POLICY,
  DEFAULT_PERFORMANCE_MODE,
  DEFAULT_SOCKET_CORE,
} from './constants.js'
export {
  AbortError,
  ConnectError,
  ListenError,
  MaxConnectionsError,
  OverflowError,
  TlsError,
  TransportError,
  TransportStateError,
  WorkerCrashError,
} from './errors.js'
export { type ConnectionPairInit, createConnectionPair } from './pair.js'
export { refuseConnection } from './refusal.js'
export { createServerTransport } from './server.js'
export {
  BufferSize,
  type ClientTlsOptions,
  type ClientTransportInit,
  PerformanceMode,
  type RefusedConnectionInfo,
  type ServerTlsOptions,
  type ServerTransport,
  type ServerTransportInit,
  type ServerTransportStats,
  SocketCore,
  type TransportInit,
} from './types.js'
