import type { MessageType, MessageTypeRegistry, Request } from '@veltix/codec'
import type { LoggerLike } from '@veltix/logger'
import type { Router } from '@veltix/router'
import type { ClientInfo } from '../client-info.js'
import type { Sender } from '../sender.js'
import { Tags } from '../tags.js'
import { PluginHost } from './host.js'
import type { PluginWire } from './plugin.js'

function declare(registry: MessageTypeRegistry, type: MessageType): void {
  try {
    registry.register(type)
  } catch {
    // another type holds the code: messages with it still reach the plugin by code
  }
}

/** The plugin host of a Server (internal glue: the server's calls, seen through permissions). */
export function serverPlugins(
  owner: { stats(): unknown },
  registry: MessageTypeRegistry,
  router: Router<ClientInfo>,
  logger: LoggerLike,
  sender: Sender,
  active: (host: PluginHost<ClientInfo> | undefined) => void,
  outbound: (host: PluginHost<ClientInfo> | undefined) => void,
): PluginHost<ClientInfo> {
  const host: PluginHost<ClientInfo> = new PluginHost<ClientInfo>({
    side: 'server',
    logger,
    send: (request, client) => client.send(request),
    broadcast: (request) => sender.broadcast(request),
    tags: (client) => client,
    close: (client) => client.conn.close(),
    stats: () => owner.stats(),
    declare: (type) => declare(registry, type),
    deliver: (queue, response, client) => router.dispatch(queue, response, client),
    active: (on) => active(on ? host : undefined),
    outbound: (on) => outbound(on ? host : undefined),
  })
  return host
}

interface ClientOwner {
  stats(): unknown
  send(request: Request): boolean
  disconnect(): Promise<void>
}

/** The plugin host of a Client: one peer (the server), `client` is null in every hook. */
export function clientPlugins<O extends ClientOwner>(
  owner: O,
  registry: MessageTypeRegistry,
  router: Router<O>,
  logger: LoggerLike,
  active: (host: PluginHost<null> | undefined) => void,
  outbound: (host: PluginHost<null> | undefined) => void,
  sessionInit: PluginWire,
): PluginHost<null> {
  // A client has no tags of its own: the plugins share one set, for the server it talks to.
  const tags = new Tags()
  const host: PluginHost<null> = new PluginHost<null>({
    side: 'client',
    logger,
    send: (request) => owner.send(request),
    broadcast: (request) => (owner.send(request) ? 1 : 0),
    tags: () => tags,
    close: () => owner.disconnect(),
    stats: () => owner.stats(),
    declare: (type) => declare(registry, type),
    deliver: (queue, response) => router.dispatch(queue, response, owner),
    active: (on) => active(on ? host : undefined),
    outbound: (on) => outbound(on ? host : undefined),
    // The reconnector reads its session options at each connection: the next one negotiates these.
    wire: (wire) => {
      if (wire.compression === undefined) delete sessionInit.compression
      else sessionInit.compression = wire.compression
    },
  })
  return host
}
