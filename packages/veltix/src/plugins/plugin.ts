import type { Request, Response } from '@veltix/codec'
import type { LoggerLike } from '@veltix/logger'
import type { CompressionInit } from '@veltix/session'
import type { Tags } from '../tags.js'

/**
 * What a plugin may see and do, declared in its `permissions` and enforced: a hook it has no permission for is
 * never called, a context call it has no permission for throws `PluginPermissionError`.
 */
export const Permission = {
  /** `onConnect` / `onDisconnect`. */
  CONNECTIONS: 'connections',
  /** `onMessage` for every message, not only the types the plugin is attached to. */
  MESSAGES: 'messages',
  /** `ctx.send`, `ctx.broadcast`. */
  SEND: 'send',
  /** `ctx.tags(client)`. */
  TAGS: 'tags',
  /** `ctx.close(client)`. */
  CLOSE: 'close',
  /** `onSend` for every application message sent, `onReply` for every `sendAndWait` that settles. */
  OUTBOUND: 'outbound',
} as const
export type Permission = (typeof Permission)[keyof typeof Permission]

/** How a plugin attached to a message type takes part in its dispatch (`attach(type, plugin, mode)`). */
export const AttachMode = {
  /** The plugin handles the type: no route, no ON_RECV. One exclusive plugin per type. */
  EXCLUSIVE: 'exclusive',
  /** The plugin sees the message, then the usual dispatch runs. */
  OBSERVE: 'observe',
  /** The plugin runs first: `next()` passes the message on (maybe changed), no `next()` drops it. */
  INTERCEPT: 'intercept',
} as const
export type AttachMode = (typeof AttachMode)[keyof typeof AttachMode]

/**
 * A context call that needs a permission the plugin did not declare. `plugin` is the plugin's name,
 * `permission` the missing one. `code`: `'VELTIX_ERR_PLUGIN_PERMISSION'`.
 */
export class PluginPermissionError extends Error {
  readonly code = 'VELTIX_ERR_PLUGIN_PERMISSION'
  readonly plugin: string
  readonly permission: Permission
  constructor(plugin: string, permission: Permission, what: string) {
    super(`plugin '${plugin}' called ${what} without the ${permission.toUpperCase()} permission`)
    this.name = 'PluginPermissionError'
    this.plugin = plugin
    this.permission = permission
  }
}

/**
 * What a plugin gets in `onRegister`: the owner's logger and calls gated by its permissions. On a server
 * `client` is a `ClientInfo`; on a client there is one peer, the server (`client` is ignored, pass null).
 */
export interface PluginContext<C = unknown> {
  readonly logger: LoggerLike
  /** 'server' or 'client': which side the plugin is registered on. */
  readonly side: 'server' | 'client'
  /** SEND: sends `request` to `client` (on a client: to the server). */
  send(request: Request, client: C): boolean
  /** SEND: sends `request` to every client (on a client: to the server); how many accepted it. */
  broadcast(request: Request): number
  /** TAGS: the client's tags (read and write). */
  tags(client: C): Tags
  /** CLOSE: closes the client's connection gracefully (on a client: disconnects). */
  close(client: C): Promise<void>
  /** The owner's `stats()`. */
  stats(): unknown
}

/**
 * A wire extension a plugin brings: session options negotiated in the HELLO capability block, so they are used
 * only with a peer that offers them too (a reference peer sees plain 1.6.3). Read when a connection starts.
 */
export interface PluginWire {
  /** Per-message deflate-raw (`vx.z`), see `compression()` in `veltix/plugins`. */
  compression?: CompressionInit
}

/** Why a connection ended, as `onDisconnect` gets it. */
export interface PluginDisconnectInfo {
  reason: string
  error?: Error
}

/**
 * The base class of plugins (the reference roadmap's `VeltixBasePlugin`): a unique `name`, the `permissions` it
 * needs, and any of the hooks. Every hook may be async; one that throws or rejects is caught, logged and
 * counted in `stats().pluginErrors`, and everything else goes on.
 */
export abstract class VeltixBasePlugin {
  /** Unique per server / client: `registerPlugin` returns false for a second plugin of that name. */
  abstract readonly name: string
  /** What it may do (default: nothing but attached messages and `ctx.logger` / `ctx.stats()`). */
  readonly permissions: readonly Permission[] = []
  /** The context of the owner it is registered on (set before `onRegister`, cleared after `onUnregister`). */
  ctx: PluginContext | undefined = undefined
  /** A wire extension (see `PluginWire`); connections opened after `registerPlugin` use it. */
  readonly wire?: PluginWire

  // The hooks, all optional: a plugin without one costs nothing at dispatch.
  /** Registered: `ctx` is the owner's context. */
  onRegister?(ctx: PluginContext): unknown
  /** CONNECTIONS: a client completed its handshake (on a client: the connection to the server is up). */
  onConnect?(client: unknown): unknown
  /** CONNECTIONS: a client that had connected is gone. */
  onDisconnect?(client: unknown, info: PluginDisconnectInfo): unknown
  /**
   * CONNECTIONS: a connection that never completed its handshake ended (on a server: refused, timed out,
   * wrong version, closed early; on a client: a failed connection attempt). `info.error` says why, when known.
   */
  onConnectFailed?(info: PluginDisconnectInfo): unknown
  /**
   * A message of a type it is attached to (or any message, with MESSAGES). INTERCEPT: call `next()` (or
   * `next(changed)`) to pass it on; not calling it drops it. OBSERVE / MESSAGES / EXCLUSIVE: `next` does nothing.
   * `client` is null on a client. An async hook holds this connection's later messages until it settles.
   */
  onMessage?(response: Response, client: unknown, next: (changed?: Response) => void): unknown
  /**
   * OUTBOUND: an application message was handed to a connection (`send`, `ClientInfo.send`, `broadcast` — once
   * per connection that accepted it —, `sendAndWait`, replies, `ctx.send`). Observe only: it runs after the
   * send, synchronously, and cannot change or stop it. `client` is null on a client. Handshake, PING / PONG
   * frames are not application messages.
   */
  onSend?(request: Request, client: unknown): unknown
  /**
   * OUTBOUND: a `sendAndWait` settled: `reply` is the reply (`reply.latency` is the round trip in ms), or null
   * when none came (timeout, abort, connection closed).
   */
  onReply?(request: Request, reply: Response | null, client: unknown): unknown
  /** Unregistered (or the owner is being shut down with it). */
  onUnregister?(): unknown
}
