import { CODE_ECHO, CODE_STATE, CODE_WORLD, CONNECT_CONCURRENCY } from './constants.js'
import { WorkloadError } from './errors.js'
import { type HeapBreakdown, heapBreakdown } from './heap-breakdown.js'
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
  if (name === 'baseline') return (await import('./impl/baseline.js')).baseline
  if (name === 'veltix-ws') return (await import('./workloads/websocket.js')).veltixWebSocket
  if (name === 'socket.io') return (await import('./workloads/websocket.js')).socketIo
  return (await import('./impl/veltix.js')).veltix
}

export type ServerMode = 'sink' | 'echo'

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
    }): Promise<{ port: number }> {
      if (server !== undefined) throw new Error('a server is already running in this agent')
      const impl = await loadImplementation(args.impl)
      let srv: BenchServer | undefined
      const hooks: ServerHooks =
        args.mode === 'echo'
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

    async waitConnections(args: { count: number; timeoutMs: number }): Promise<number> {
      const deadline = Date.now() + args.timeoutMs
      while (server !== undefined && server.connectionCount < args.count && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5))
      }
      return server?.connectionCount ?? 0
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
      const out: BenchClient[] = []
      let next = 0
      let failure: unknown
      const worker = async (): Promise<void> => {
        while (next < args.count && failure === undefined) {
          next++
          try {
            out.push(await impl.connect({ port: args.port, onMessage }))
          } catch (err) {
            failure ??= err
          }
          if ((out.length & 63) === 0) progress(out.length / args.count)
        }
      }
      await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, args.count) }, worker))
      clients.push(...out)
      if (failure !== undefined) {
        throw new WorkloadError(`connect failed after ${out.length} of ${args.count} clients`, {
          cause: failure,
        })
      }
      return clients.length
    },

    async clientsClose(): Promise<void> {
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
