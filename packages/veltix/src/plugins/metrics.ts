import { createRequire } from 'node:module'
import type { Response } from '@veltix/codec'
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

export interface MetricsOptions {
  /** Where the metrics are registered (default: prom-client's global `register`). */
  registry?: Registry
  /** Metric name prefix (default 'veltix_'). */
  prefix?: string
}

interface OwnerStats {
  messagesOut: number
  bytesOut: number
  handshakeFailures?: number
  acceptedTotal?: number
  reconnects?: number
  failedAttempts?: number
  pluginErrors: number
}

/**
 * Prometheus metrics of a Server or Client through prom-client (an optional peer dependency, loaded when
 * `metrics()` is called). Needs CONNECTIONS and MESSAGES. See the README for the list and a `/metrics` recipe.
 */
export class MetricsPlugin extends VeltixBasePlugin {
  readonly name = 'metrics'
  override readonly permissions = [Permission.CONNECTIONS, Permission.MESSAGES]
  readonly registry: Registry
  readonly #connections
  readonly #connectionsTotal
  readonly #messagesIn
  readonly #bytesIn
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
    fromStats('messages_sent_total', 'Application messages sent', (s) => s.messagesOut)
    fromStats('bytes_sent_total', 'Bytes sent (22-byte header included)', (s) => s.bytesOut)
    this.#errors = new prom.Counter({
      name: `${p}errors_total`,
      help: 'Connections ended by an error, by error code',
      labelNames: ['code'],
      registers,
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
    const e = info.error as (Error & { code?: unknown }) | undefined
    if (e !== undefined) this.#errors.inc({ code: typeof e.code === 'string' ? e.code : e.name })
  }

  override onMessage(response: Response): void {
    const type = response.type.name
    this.#messagesIn.inc({ type })
    this.#bytesIn.inc({ type }, HEADER_SIZE + response.content.length)
  }
}

/** `server.registerPlugin(metrics({ registry }))` — see `MetricsPlugin`. Throws `MissingPeerDependencyError` without prom-client. */
export function metrics(options: MetricsOptions = {}): MetricsPlugin {
  return new MetricsPlugin(options)
}
