import type { Listener } from 'veltix'
import type { CoreName } from '../options.js'

/**
 * Which side of the comparison a figure comes from: Veltix, the raw `node:net` program with Veltix's framing
 * (`baseline`), the same raw program with a plain 4-byte length prefix and no CRC (`raw4`), or a peer library
 * (`socketio`: socket.io 4.8 over WebSocket; `zeromq`: zeromq 6 DEALER/ROUTER; only with `--peers`).
 */
export type ImplName = 'veltix' | 'baseline' | 'raw4' | 'socketio' | 'zeromq'

/** Every implementation name, in column order. */
export const IMPL_NAMES: readonly ImplName[] = ['baseline', 'raw4', 'socketio', 'zeromq', 'veltix']
/** What an agent can load: the names above, and the WebSocket workload's stacks (`workloads/websocket.ts`). */
export type ImplementationName = ImplName | 'veltix-ws' | 'socket.io'

/** A connection on the server side, opaque to workloads. */
export type Peer = unknown

/** What a server does with each application message. */
export interface ServerHooks {
  message(peer: Peer, code: number, requestId: number, payload: Uint8Array): void
}

/** The server side of an implementation, as workloads drive it. */
export interface BenchServer {
  readonly port: number
  readonly connectionCount: number
  /** Sends one message to one peer, reusing the request id (a reply). */
  reply(peer: Peer, code: number, requestId: number, payload: Uint8Array): void
  /** Sends one message to every connected peer; returns how many accepted it. */
  broadcast(code: number, payload: Uint8Array): number
  close(): Promise<void>
}

/** The client side of an implementation. */
export interface BenchClient {
  /** Sends one message; false means "over the high-water mark: await drained() before sending more". */
  send(code: number, payload: Uint8Array): boolean
  /** Resolves once the outbound queue is back under its high-water mark. */
  drained(): Promise<void>
  /** sendAndWait round trip: resolves true when the reply came, false on timeout. */
  request(code: number, payload: Uint8Array): Promise<boolean>
  /** Ping round trip: resolves true when the pong came, false on timeout. */
  ping(): Promise<boolean>
  close(): Promise<void>
}

export interface ServerInit {
  core: CoreName
  hooks: ServerHooks
  /** Veltix only: extra listeners (the WebSocket workload's). */
  listeners?: readonly Listener[]
}

export interface ClientInit {
  port: number
  /** Called for each application message that is not a reply to `request`. */
  onMessage?: (code: number, payload: Uint8Array) => void
}

/** One implementation (Veltix or the baseline) behind the small interface the workloads use. */
export interface Implementation {
  readonly name: ImplName
  startServer(init: ServerInit): Promise<BenchServer>
  connect(init: ClientInit): Promise<BenchClient>
}

/** Round-trip timeout for one request or ping (a bound, not a measurement). */
export const ROUND_TRIP_TIMEOUT_MS = 10_000
