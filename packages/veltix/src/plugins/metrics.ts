import { createRequire } from 'node:module'
import type { Request, Response } from '@veltix/codec'
import { HEADER_SIZE } from '@veltix/codec'
import { Permission, type PluginContext, type PluginDisconnectInfo, VeltixBasePlugin } from './plugin.js'

// prom-client's types are not imported: the core stays free of it, at build time too.
type PromClient = typeof import('prom-client')
type Registry = import('prom-client').Registry

/**
 * `metrics()` needs the optional peer dependency prom-client, and it is not installed
 * (`npm install prom-client`). `code`: `'VELTIX_ERR_MISSING_PEER_DEPENDENCY'`.
 */
export class MissingPeerDependencyError extends Error {
  readonly code = 'VELTIX_ERR_MISSING_PEER_DEPENDENCY'
  readonly dependency: string
  constructor(dependency: string, options?: ErrorOptions) {
    super(
      `${dependency} is not installed: it is an optional peer dependency of veltix (npm install ${dependency})`,
      options,
    )
    this.name = 'MissingPeerDependencyError'
    this.dependency = dependency
  }
}

let loaded: PromClient | undefined

/** Loads prom-client on first use (never at import: `veltix/plugins` works without it). */
function promClient(): PromClient {
  if (loaded !== undefined) return loaded
  try {
    loaded = createRequire(import.meta.url)('prom-client') as PromClient
  } catch (error) {
    throw new MissingPeerDependencyError('prom-client', { cause: error })
  }
  return loaded
}

/** Buckets of `request_duration_seconds`, in seconds: loopback (0.5 ms) to a slow WAN peer (5 s, the default timeout). */
export const DEFAULT_REQUEST_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]

export interface MetricsOptions {
  /** Where the metrics are registered (default: prom-client's global `register`). */
  registry?: Registry
  /** Metric name prefix (default 'veltix_'). */
  prefix?: string
  /** Buckets (seconds) of the request round-trip histogram (default `DEFAULT_REQUEST_BUCKETS`). */
  requestBuckets?: readonly number[]
}

interface OwnerStats {
  droppedFrames: Record<string, number>
  handshakeFailures?: number
  acceptedTotal?: number
  reconnects?: number
  failedAttempts?: number
  pluginErrors: number
}

/**
 * Prometheus metrics of a Server or Client through prom-client (an optional peer dependency, loaded when
 * `metrics()` is called). Needs CONNECTIONS, MESSAGES and OUTBOUND. See the README for the list and a `/metrics`
 * recipe.
 */
export class MetricsPlugin extends VeltixBasePlugin {
  readonly name = 'metrics'
  override readonly permissions = [Permission.CONNECTIONS, Permission.MESSAGES, Permission.OUTBOUND]
  readonly registry: Registry
  readonly #connections
  readonly #connectionsTotal
  readonly #messagesIn
  readonly #bytesIn
  readonly #messagesOut
  readonly #bytesOut
  readonly #requests
  readonly #unanswered
  readonly #errors
  #owner: PluginContext | undefined

  constructor(options: MetricsOptions = {}) {
    super()
    const prom = promClient()
    const registry = options.registry ?? prom.register
    this.registry = registry
    const p = options.prefix ?? 'veltix_'
    const registers = [registry]
    const stat = (): OwnerStats | undefined => this.#owner?.stats() as OwnerStats | undefined
    // Counters the owner already keeps: read at scrape time, nothing per message.
    const fromStats = (name: string, help: string, read: (s: OwnerStats) => number | undefined): void => {
      new prom.Counter({
        name: p + name,
        help,
        registers,
        collect() {
          const s = stat()
          const v = s === undefined ? undefined : read(s)
          this.reset()
          if (v !== undefined) this.inc(v)
        },
      })
    }
    this.#connections = new prom.Gauge({
      name: `${p}connections`,
      help: 'Connections up now (handshake done)',
      registers,
    })
    this.#connectionsTotal = new prom.Counter({
      name: `${p}handshakes_total`,
      help: 'Completed handshakes',
      registers,
    })
    fromStats(
      'handshake_failures_total',
      'Connections closed before completing the handshake',
      (s) => s.handshakeFailures ?? s.failedAttempts,
    )
    this.#messagesIn = new prom.Counter({
      name: `${p}messages_received_total`,
      help: 'Application messages received, by type name',
      labelNames: ['type'],
      registers,
    })
    this.#bytesIn = new prom.Counter({
      name: `${p}bytes_received_total`,
      help: 'Bytes of application messages received (22-byte header included), by type name',
      labelNames: ['type'],
      registers,
    })
    this.#messagesOut = new prom.Counter({
      name: `${p}messages_sent_total`,
      help: 'Application messages sent (a broadcast: once per connection that took it), by type name',
      labelNames: ['type'],
      registers,
    })
    this.#bytesOut = new prom.Counter({
      name: `${p}bytes_sent_total`,
      help: 'Bytes of application messages sent (22-byte header included, before compression), by type name',
      labelNames: ['type'],
      registers,
    })
    this.#requests = new prom.Histogram({
      name: `${p}request_duration_seconds`,
      help: 'Round trip of sendAndWait requests that got a reply, by request type name',
      labelNames: ['type'],
      buckets: [...(options.requestBuckets ?? DEFAULT_REQUEST_BUCKETS)],
      registers,
    })
    this.#unanswered = new prom.Counter({
      name: `${p}requests_unanswered_total`,
      help: 'sendAndWait requests that got no reply (timeout, abort, connection closed), by request type name',
      labelNames: ['type'],
      registers,
    })
    this.#errors = new prom.Counter({
      name: `${p}errors_total`,
      help: 'Connections ended by an error (handshake failures included), by error code',
      labelNames: ['code'],
      registers,
    })
    new prom.Counter({
      name: `${p}frames_dropped_total`,
      help: 'Inbound frames dropped, by reason (checksum, unknownType, ...)',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset()
        const dropped = stat()?.droppedFrames
        if (dropped !== undefined) for (const [reason, n] of Object.entries(dropped)) this.inc({ reason }, n)
      },
    })
    fromStats('plugin_errors_total', 'Plugin hooks that threw or rejected', (s) => s.pluginErrors)
  }

  override onRegister(ctx: PluginContext): void {
    this.#owner = ctx
  }

  override onUnregister(): void {
    this.#owner = undefined
  }

  override onConnect(): void {
    this.#connections.inc()
    this.#connectionsTotal.inc()
  }

  override onDisconnect(_client: unknown, info: PluginDisconnectInfo): void {
    this.#connections.dec()
    this.#error(info)
  }

  override onConnectFailed(info: PluginDisconnectInfo): void {
    this.#error(info)
  }

  override onMessage(response: Response): void {
    const type = response.type.name
    this.#messagesIn.inc({ type })
    this.#bytesIn.inc({ type }, HEADER_SIZE + response.content.length)
  }

  override onSend(request: Request): void {
    const type = request.type.name
    this.#messagesOut.inc({ type })
    this.#bytesOut.inc({ type }, HEADER_SIZE + request.payload.length)
  }

  override onReply(request: Request, reply: Response | null): void {
    const type = request.type.name
    if (reply === null || reply.latency === undefined) this.#unanswered.inc({ type })
    else this.#requests.observe({ type }, reply.latency / 1000)
  }

  /** Errors by their stable `code` (`VELTIX_ERR_…`); one without a code by its class name. */
  #error(info: PluginDisconnectInfo): void {
    const e = info.error as (Error & { code?: unknown }) | undefined
    if (e !== undefined) this.#errors.inc({ code: typeof e.code === 'string' ? e.code : e.name })
  }
}

/** `server.registerPlugin(metrics({ registry }))` — see `MetricsPlugin`. Throws `MissingPeerDependencyError` without prom-client. */
export function metrics(options: MetricsOptions = {}): MetricsPlugin {
  return new MetricsPlugin(options)
}
