import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { BASELINE_HIGH_WATER_MARK, CODE_ECHO, CODE_STATE, DELIVERY_TIMEOUT_MS } from '../constants.js'
import type { AgentHandle } from '../harness.js'
import type { BenchClient, BenchServer, ClientInit, Implementation, Peer, ServerInit } from '../impl/types.js'
import { ROUND_TRIP_TIMEOUT_MS } from '../impl/types.js'
import type { BenchOptions } from '../options.js'
import type { Figure } from '../results.js'
import { perSecond } from '../stats.js'
import {
  figureMaker,
  percent,
  type Variant,
  variants,
  type Workload,
  type WorkloadContext,
  withCpu,
  withPair,
} from './common.js'

// Veltix over WebSocket (`@veltix/websocket` on both sides: its listener, and a client Session over its
// `connectWebSocket`) against Veltix over TCP in the same run, and against socket.io 4.8 (server and
// socket.io-client, WebSocket transport only) on the same workload. In this workload the "baseline" figures are socket.io's, so the
// suite's ratios (`ws.*` names) read Veltix-over-WebSocket / socket.io; the `tcp.*` figures are Veltix's own
// TCP path, measured alongside for the WebSocket / TCP comparison.

/** Targets of issue 15: WebSocket burst ≥ 5× socket.io's, request/response p50 ≤ socket.io's. */
export const TARGET_WS_BURST_RATIO = 5
export const TARGET_WS_REQUEST_P50_RATIO = 1

const HWM = BASELINE_HIGH_WATER_MARK

/** Waits (a turn of the event loop at a time) until `buffered()` is under the high-water mark. */
async function drain(buffered: () => number, closed: () => boolean): Promise<void> {
  do await new Promise<void>((resolve) => setImmediate(resolve))
  while (!closed() && buffered() >= HWM)
}

// ---- Veltix over WebSocket ---------------------------------------------------------------------------

/** The Veltix server of the suite (same routes and replies) with a WebSocket listener: `port` is the WebSocket one. */
async function startVeltixWs(init: ServerInit): Promise<BenchServer> {
  const { webSocketListener } = await import('@veltix/websocket')
  const { veltix } = await import('../impl/veltix.js')
  const listener = webSocketListener({ host: '127.0.0.1', port: 0 })
  const server = await veltix.startServer({ ...init, listeners: [listener] })
  return {
    get port() {
      return listener.port
    },
    get connectionCount() {
      return server.connectionCount
    },
    reply: (peer, code, requestId, payload) => server.reply(peer, code, requestId, payload),
    broadcast: (code, payload) => server.broadcast(code, payload),
    close: () => server.close(),
  }
}

/**
 * A Node client over WebSocket with Veltix's own parts, as the TCP figures use Veltix's `Client`: the client
 * `Connection` of `@veltix/websocket` (`connectWebSocket`) under a client `Session` (handshake,
 * `sendAndWait`, ping), messages sent through `session.send`.
 */
async function connectVeltixWs(init: ClientInit): Promise<BenchClient> {
  const { connectWebSocket } = await import('@veltix/websocket')
  const { Session } = await import('veltix/session')
  const { MessageType, MessageTypeRegistry, Request } = await import('veltix/codec')
  const conn = await connectWebSocket({ url: `ws://127.0.0.1:${init.port}/` })
  const types = new Map<number, InstanceType<typeof MessageType>>()
  const registry = new MessageTypeRegistry()
  for (const code of [CODE_ECHO, CODE_STATE]) {
    const t = new MessageType(code, `bench.${code}`)
    types.set(code, t)
    registry.register(t)
  }
  const onMessage = init.onMessage
  const session = new Session({
    connection: conn,
    role: 'client',
    registry,
    ...(onMessage === undefined ? {} : { onMessage: (r) => onMessage(r.type.code, r.content) }),
  })
  await session.ready
  const typeOf = (code: number) => types.get(code)!
  return {
    send(code, payload) {
      if (!session.send(new Request(typeOf(code), payload))) throw new Error('veltix refused a send')
      return conn.bufferedAmount < HWM
    },
    drained: () =>
      drain(
        () => conn.bufferedAmount,
        () => conn.closed,
      ),
    request: async (code, payload) =>
      (await session.sendAndWait(new Request(typeOf(code), payload), { timeout: ROUND_TRIP_TIMEOUT_MS })) !==
      null,
    ping: async () => (await session.ping({ timeout: ROUND_TRIP_TIMEOUT_MS })) !== null,
    close: () => session.close(),
  }
}

/** Veltix's Server with a WebSocket listener, and a Veltix client Session over `connectWebSocket`. */
export const veltixWebSocket: Implementation = {
  name: 'veltix',
  startServer: startVeltixWs,
  connect: connectVeltixWs,
}

// ---- socket.io 4.8 -----------------------------------------------------------------------------------

/**
 * socket.io on its WebSocket transport: a binary event per message (`m`), an acknowledged event for a
 * request (`req`, answered with its payload) and for a ping (`p`, no payload).
 */
async function startSocketIo(init: ServerInit): Promise<BenchServer> {
  const { Server } = await import('socket.io')
  const httpServer = http.createServer()
  const io = new Server(httpServer, {
    transports: ['websocket'],
    serveClient: false,
    perMessageDeflate: false,
    maxHttpBufferSize: 10 * 1024 * 1024,
  })
  const hooks = init.hooks
  io.on('connection', (socket) => {
    socket.on('m', (payload: Buffer) => hooks.message(socket, CODE_STATE, 0, payload))
    socket.on('req', (payload: Buffer, ack: (p: Buffer) => void) => ack(payload))
    socket.on('p', (ack: () => void) => ack())
  })
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', () => resolve()))
  const port = (httpServer.address() as AddressInfo).port
  return {
    port,
    get connectionCount() {
      return io.engine.clientsCount
    },
    reply(peer: Peer, _code, _requestId, payload) {
      ;(peer as { emit(ev: string, p: Uint8Array): void }).emit('m', payload)
    },
    broadcast(_code, payload) {
      io.emit('m', payload)
      return io.engine.clientsCount
    },
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  }
}

async function connectSocketIo(init: ClientInit): Promise<BenchClient> {
  const { io } = await import('socket.io-client')
  const socket = io(`http://127.0.0.1:${init.port}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', reject)
  })
  const onMessage = init.onMessage
  if (onMessage !== undefined) socket.on('m', (payload: Buffer) => onMessage(CODE_STATE, payload))
  // What socket.io has not handed to its WebSocket yet, plus what the WebSocket has not handed to the OS.
  const engine = socket.io.engine as unknown as {
    writeBuffer: unknown[]
    transport: { ws?: { bufferedAmount: number } }
  }
  const buffered = (): number => engine.writeBuffer.length * 64 + (engine.transport.ws?.bufferedAmount ?? 0)
  const ack = (ev: string, ...args: unknown[]): Promise<boolean> =>
    socket
      .timeout(ROUND_TRIP_TIMEOUT_MS)
      .emitWithAck(ev, ...args)
      .then(
        () => true,
        () => false,
      )
  return {
    send(_code, payload) {
      socket.emit('m', payload)
      return buffered() < HWM
    },
    drained: () => drain(buffered, () => !socket.connected),
    request: (_code, payload) => ack('req', payload),
    ping: () => ack('p'),
    async close() {
      socket.disconnect()
    },
  }
}

/** socket.io 4.8 server and socket.io-client, WebSocket transport only. */
export const socketIo: Implementation = {
  name: 'baseline',
  startServer: startSocketIo,
  connect: connectSocketIo,
}

// ---- the workload ------------------------------------------------------------------------------------

/** The three stacks measured, with the figure prefix and the implementation the agents load. */
type Stack = { prefix: 'tcp' | 'ws'; impl: 'veltix' | 'veltix-ws' | 'socket.io' }

function stacks(v: Variant): Stack[] {
  if (v.impl === 'baseline') return [{ prefix: 'ws', impl: 'socket.io' }]
  return [
    { prefix: 'tcp', impl: 'veltix' },
    { prefix: 'ws', impl: 'veltix-ws' },
  ]
}

/** A burst of `o.burstCount` small messages after an unmeasured warm-up, as in the `burst` workload. */
async function burst(
  o: BenchOptions,
  server: AgentHandle,
  client: AgentHandle,
  fig: (name: string, value: number, unit: Figure['unit'], better: 'higher' | 'lower') => Figure,
  prefix: string,
): Promise<Figure[]> {
  if (o.throughputWarmup > 0) {
    await server.call('resetCount', { expected: o.throughputWarmup })
    await client.call('burst', { count: o.throughputWarmup, size: o.messageSize })
    await server.call('waitCount', { timeoutMs: DELIVERY_TIMEOUT_MS })
  }
  await server.call('resetCount', { expected: o.burstCount })
  const { result, serverUs } = await withCpu(server, client, async () => {
    const sent = await client.call('burst', { count: o.burstCount, size: o.messageSize })
    return { sent, got: await server.call('waitCount', { timeoutMs: DELIVERY_TIMEOUT_MS }) }
  })
  const { sent, got } = result
  const recvNs = (got.reached ? got.doneNs : got.firstNs) - sent.startNs
  return [
    fig(`${prefix}.burst.send.msgPerSec`, perSecond(sent.sent, sent.endNs - sent.startNs), 'msg/s', 'higher'),
    fig(`${prefix}.burst.receive.msgPerSec`, perSecond(got.count, recvNs), 'msg/s', 'higher'),
    fig(`${prefix}.burst.success`, percent(got.count, sent.sent), '%', 'higher'),
    fig(`${prefix}.burst.server.cpuPerMsg`, serverUs / Math.max(1, got.count), 'us', 'lower'),
  ]
}

/** Sequential request/response round trips (`sendAndWait` / an acknowledged emit) and pings. */
async function roundTrips(
  o: BenchOptions,
  client: AgentHandle,
  fig: (name: string, value: number, unit: Figure['unit'], better: 'higher' | 'lower') => Figure,
  prefix: string,
): Promise<Figure[]> {
  const out: Figure[] = []
  for (const kind of ['request', 'ping'] as const) {
    const r = await client.call('latency', {
      kind,
      warmup: o.latencyWarmup,
      count: o.latencyCount,
      size: o.messageSize,
    })
    const trips = o.latencyWarmup + o.latencyCount
    out.push(
      fig(`${prefix}.${kind}.p50`, r.summary.p50, 'us', 'lower'),
      fig(`${prefix}.${kind}.p99`, r.summary.p99, 'us', 'lower'),
      fig(`${prefix}.${kind}.rps`, perSecond(o.latencyCount, r.elapsedNs), 'rt/s', 'higher'),
      fig(`${prefix}.${kind}.success`, percent(trips - r.failures, trips), '%', 'higher'),
    )
  }
  return out
}

/** Burst and request/response over WebSocket: Veltix (and its TCP path, same run) against socket.io 4.8. */
export const webSocketWorkload: Workload = {
  name: 'websocket',
  description: 'burst and request/response over WebSocket: Veltix (vs its TCP) vs socket.io 4.8',
  phases: (o) => variants(o).reduce((n, v) => n + stacks(v).length, 0),
  async run(ctx: WorkloadContext) {
    const o = ctx.options
    const figures: Figure[] = []
    for (const v of variants(o)) {
      const fig = figureMaker('websocket', v)
      for (const s of stacks(v)) {
        ctx.phase(`${v.label} ${s.impl}: burst ${o.burstCount} × ${o.messageSize} B, round trips`)
        await withPair(ctx, { ...v, impl: s.impl }, 'sink', async (server, client, port) => {
          await client.call('clientsConnect', { impl: s.impl, port, count: 1 })
          figures.push(...(await burst(o, server, client, fig, s.prefix)))
        })
        await withPair(ctx, { ...v, impl: s.impl }, 'echo', async (_server, client, port) => {
          await client.call('clientsConnect', { impl: s.impl, port, count: 1 })
          figures.push(...(await roundTrips(o, client, fig, s.prefix)))
        })
      }
    }
    return figures
  },
}
