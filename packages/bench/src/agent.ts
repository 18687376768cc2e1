import { readFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { CODE_ECHO, CODE_STATE, CODE_WORLD, CONNECT_CONCURRENCY } from './constants.js'
import { WorkloadError } from './errors.js'
import { type HeapBreakdown, heapBreakdown } from './heap-breakdown.js'
import { openConcurrently, openIdleConnections } from './idle-clients.js'
import type {
  BenchClient,
  BenchServer,
  Implementation,
  ImplementationName,
  Peer,
  ServerHooks,
} from './impl/types.js'
import { type MemorySample, measureMemory } from './memory.js'
import type { CoreName } from './options.js'
import { nowNs, type Summary, summarize } from './stats.js'
import { runTicks } from './ticker.js'

// The agent is what runs inside a benchmark child process (or in-process): a set of methods the parent calls
// over IPC, holding the server or the clients of one implementation. Timing happens here, next to the
// sockets, never across the IPC channel.

/** Loaded on demand so that a baseline process never loads Veltix (its memory figures stay clean). */
export async function loadImplementation(name: ImplementationName): Promise<Implementation> {
  switch (name) {
    case 'baseline':
      return (await import('./impl/baseline.js')).baseline
    case 'raw4':
      return (await import('./impl/baseline.js')).raw4
    case 'veltix-ws':
      return (await import('./workloads/websocket.js')).veltixWebSocket
    // --peers reuses the WebSocket workload's socket.io stack.
    case 'socket.io':
    case 'socketio':
      return (await import('./workloads/websocket.js')).socketIo
    case 'zeromq':
      return (await import('./impl/peers.js')).zeromq
    default:
      return (await import('./impl/veltix.js')).veltix
  }
}

/** `sink` counts messages; `echo` answers each; `spin` counts and busies the CPU for `spinUs` per message. */
export type ServerMode = 'sink' | 'echo' | 'spin'

/** Busy-waits `us` microseconds (an application's CPU-bound handler). */
function spin(us: number): void {
  const end = nowNs() + us * 1000
  while (nowNs() < end) {
    // burn
  }
}

export interface LatencyResult {
  summary: Summary
  elapsedNs: number
  failures: number
}

export interface SendResultTimes {
  sent: number
  startNs: number
  endNs: number
}

export interface WaitResult {
  count: number
  bytes: number
  firstNs: number
  doneNs: number
  reached: boolean
}

/** Creates the method table of one agent; `progress` reports a fraction of the current call (0..1). */
export function createAgent(progress: (fraction: number) => void) {
  let server: BenchServer | undefined
  let clients: BenchClient[] = []
  let idle: Socket[] = []
  // Messages counted by the server's handler, or by the clients' message callback.
  let count = 0
  let bytes = 0
  let target = Number.POSITIVE_INFINITY
  let firstNs = 0
  let doneNs = 0
  let wake: (() => void) | undefined

  const onCounted = (): void => {
    if (count === 1) firstNs = nowNs()
    if (count === target) {
      doneNs = nowNs()
      wake?.()
    }
  }

  function waitCount(timeoutMs: number): Promise<WaitResult> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer)
        wake = undefined
        resolve({ count, bytes, firstNs, doneNs, reached: count >= target })
      }
      const timer = setTimeout(finish, timeoutMs)
      if (count >= target) finish()
      else wake = finish
    })
  }

  return {
    async serverStart(args: {
      impl: ImplementationName
      core: CoreName
      mode: ServerMode
      spinUs?: number
    }): Promise<{ port: number }> {
      if (server !== undefined) throw new Error('a server is already running in this agent')
      const impl = await loadImplementation(args.impl)
      let srv: BenchServer | undefined
      const spinUs = args.spinUs ?? 0
      const hooks: ServerHooks =
        args.mode === 'spin'
          ? {
              message(_peer: Peer, _code: number, _requestId: number, payload: Uint8Array) {
                spin(spinUs)
                count++
                bytes += payload.length
                onCounted()
              },
            }
          : args.mode === 'echo'
            ? {
                message(peer: Peer, code: number, requestId: number, payload: Uint8Array) {
                  srv!.reply(peer, code, requestId, payload)
                },
              }
            : {
                message(_peer: Peer, _code: number, _requestId: number, payload: Uint8Array) {
                  count++
                  bytes += payload.length
                  onCounted()
                },
              }
      srv = server = await impl.startServer({ core: args.core, hooks })
      return { port: srv.port }
    },

    async serverStop(): Promise<void> {
      const s = server
      server = undefined
      await s?.close()
    },

    /** Waits until the server counts `count` connections (handshakes done); `pollMs` between looks. */
    async waitConnections(args: { count: number; timeoutMs: number; pollMs?: number }): Promise<number> {
      const deadline = Date.now() + args.timeoutMs
      while (server !== undefined && server.connectionCount < args.count && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, args.pollMs ?? 5))
      }
      return server?.connectionCount ?? 0
    },

    /**
     * Broadcasts `count` messages of `size` bytes to every connected client, as fast as it can, yielding to
     * the event loop (so the writes go out) every `perTurn` broadcasts. Returns how many sends were accepted.
     */
    async broadcastStream(args: { count: number; size: number; perTurn: number }) {
      const s = server
      if (s === undefined) throw new Error('no server running')
      const payload = new Uint8Array(args.size).fill(0x63)
      let accepted = 0
      const startNs = nowNs()
      for (let i = 1; i <= args.count; i++) {
        accepted += s.broadcast(CODE_WORLD, payload)
        if (i % args.perTurn === 0) {
          await new Promise<void>((r) => setImmediate(r))
          if ((i & 63) === 0) progress(i / args.count)
        }
      }
      return { accepted, startNs, endNs: nowNs() }
    },

    /** This process's soft limit of open files (Linux: /proc/self/limits; elsewhere Infinity: not checked). */
    async fdLimit(): Promise<number> {
      let text: string
      try {
        text = readFileSync('/proc/self/limits', 'utf8')
      } catch {
        return Number.POSITIVE_INFINITY
      }
      const m = /^Max open files\s+(\S+)/m.exec(text)
      return m === null || m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1])
    },

    /** Main-thread event loop busy time so far, in ms (deltas give a phase's; worker threads not included). */
    async mainThreadActiveMs(): Promise<number> {
      return performance.eventLoopUtilization().active
    },

    /** Opens idle bare connections (the scale workload's load): see idle-clients.ts. */
    async idleOpen(args: {
      port: number
      count: number
      localAddress: string
      handshake: boolean
    }): Promise<{ open: number; failed: number; firstError: string | undefined }> {
      const r = await openIdleConnections({ ...args, concurrency: CONNECT_CONCURRENCY }, progress)
      idle.push(...r.sockets)
      return { open: idle.length, failed: r.failed, firstError: r.firstError }
    },

    /** Game-server loop: broadcasts a world state to every player each tick; returns tick lateness in µs. */
    async serverTicks(args: { hz: number; ticks: number; worldBytes: number }) {
      const s = server
      if (s === undefined) throw new Error('no server running')
      const world = new Uint8Array(args.worldBytes)
      const view = new DataView(world.buffer)
      let delivered = 0
      // How long the tick's own work takes: the broadcast call and the writes it queued, which both sides
      // flush on a microtask (awaiting here resumes after them). The library's share of a tick, apart from
      // the lateness that other processes competing for the cores cause.
      const work = new Float64Array(args.ticks)
      const lateness = await runTicks(args.hz, args.ticks, async (k) => {
        const t = nowNs()
        view.setUint32(0, k)
        delivered += s.broadcast(CODE_WORLD, world)
        await null
        work[k] = (nowNs() - t) / 1000
        if ((k & 15) === 0) progress(k / args.ticks)
      })
      return { worldSent: delivered, lateness: summarize(lateness), work: summarize(work) }
    },

    /** Loads an implementation without connecting (so a memory sample taken next includes its code). */
    async preload(args: { impl: ImplementationName }): Promise<void> {
      await loadImplementation(args.impl)
    },

    async clientsConnect(args: { impl: ImplementationName; port: number; count: number }): Promise<number> {
      const impl = await loadImplementation(args.impl)
      const onMessage = (_code: number, payload: Uint8Array): void => {
        count++
        bytes += payload.length
        onCounted()
      }
      const { opened: out, failure } = await openConcurrently(
        args.count,
        CONNECT_CONCURRENCY,
        () => impl.connect({ port: args.port, onMessage }),
        progress,
      )
      clients.push(...out)
      if (failure !== undefined) {
        throw new WorkloadError(`connect failed after ${out.length} of ${args.count} clients`, {
          cause: failure,
        })
      }
      return clients.length
    },

    async clientsClose(): Promise<void> {
      for (const sock of idle) sock.destroy()
      idle = []
      const cs = clients
      clients = []
      await Promise.all(cs.map((c) => c.close()))
    },

    /** Resets the message counter; the wait completes when `expected` messages have been counted. */
    async resetCount(args: { expected: number }): Promise<void> {
      count = 0
      bytes = 0
      firstNs = 0
      doneNs = 0
      target = args.expected
    },

    async waitCount(args: { timeoutMs: number }): Promise<WaitResult> {
      return waitCount(args.timeoutMs)
    },

    /** CPU time this process has used (user + system), in µs: deltas give the cost of a phase. */
    async cpu(): Promise<number> {
      const u = process.cpuUsage()
      return u.user + u.system
    },

    /** Heap objects per kind, after a GC (a heap snapshot: slow, only for --heap-breakdown). */
    async heapBreakdown(): Promise<HeapBreakdown> {
      await measureMemory()
      return heapBreakdown()
    },

    async memory(): Promise<MemorySample> {
      return measureMemory()
    },

    /** Sequential round trips on the first client: ping or sendAndWait (echoed by the server). */
    async latency(args: { kind: 'ping' | 'request'; warmup: number; count: number; size: number }) {
      const c = clients[0]
      if (c === undefined) throw new Error('no client connected')
      const payload = new Uint8Array(args.size)
      const once = args.kind === 'ping' ? () => c.ping() : () => c.request(CODE_ECHO, payload)
      let failures = 0
      for (let i = 0; i < args.warmup; i++) if (!(await once())) failures++
      const samples = new Float64Array(args.count)
      const start = nowNs()
      for (let i = 0; i < args.count; i++) {
        const t = nowNs()
        if (!(await once())) failures++
        samples[i] = (nowNs() - t) / 1000
        if ((i & 1023) === 0) progress(i / args.count)
      }
      const result: LatencyResult = { summary: summarize(samples), elapsedNs: nowNs() - start, failures }
      return result
    },

    /** One client sends `count` messages as fast as backpressure allows. */
    async burst(args: { count: number; size: number; code?: number }): Promise<SendResultTimes> {
      const c = clients[0]
      if (c === undefined) throw new Error('no client connected')
      const payload = new Uint8Array(args.size).fill(0x61)
      const code = args.code ?? CODE_STATE
      const startNs = nowNs()
      const step = Math.max(1, Math.floor(args.count / 50))
      for (let i = 0; i < args.count; i++) {
        if (!c.send(code, payload)) await c.drained()
        if (i % step === 0) progress(i / args.count)
      }
      return { sent: args.count, startNs, endNs: nowNs() }
    },

    /** Every client sends `perClient` messages at once, each respecting its own backpressure. */
    async stress(args: { perClient: number; size: number }): Promise<SendResultTimes> {
      const payload = new Uint8Array(args.size).fill(0x62)
      const startNs = nowNs()
      let done = 0
      await Promise.all(
        clients.map(async (c) => {
          for (let i = 0; i < args.perClient; i++) {
            if (!c.send(CODE_STATE, payload)) await c.drained()
            // Interleave the clients the way independent peers would, instead of one finishing before the next.
            if ((i & 63) === 63) await new Promise<void>((r) => setImmediate(r))
          }
          progress(++done / clients.length)
        }),
      )
      return { sent: args.perClient * clients.length, startNs, endNs: nowNs() }
    },

    /** Every client sends its player state each tick. */
    async playerTicks(args: {
      hz: number
      ticks: number
      stateBytes: number
    }): Promise<{ statesSent: number }> {
      const state = new Uint8Array(args.stateBytes)
      let sent = 0
      await runTicks(args.hz, args.ticks, () => {
        for (const c of clients) {
          c.send(CODE_STATE, state)
          sent++
        }
      })
      return { statesSent: sent }
    },
  }
}

export type Agent = ReturnType<typeof createAgent>
export type AgentMethod = keyof Agent
