import type { Socket } from 'node:net'
import type { Wire2HandshakeResult } from './handshake.js'

/** A live TCP socket's four-tuple: unique among open sockets, and what its `Connection` reports too. */
interface Endpoints {
  readonly localAddress?: string | undefined
  readonly localPort?: number | undefined
  readonly remoteAddress?: string | undefined
  readonly remotePort?: number | undefined
}

/** Sockets whose 2.x handshake is done and whose `Session` has not been made yet. */
const done = new Map<string, Wire2HandshakeResult>()

function keyOf(e: Endpoints): string {
  return `${e.localAddress ?? ''}|${e.localPort ?? 0}|${e.remoteAddress ?? ''}|${e.remotePort ?? 0}`
}

/**
 * Records a completed 2.x handshake for the `Session` that the socket's `Connection` will get (the prefaces
 * run on the raw socket, before the transport makes it a `Connection`). Forgotten when the socket closes first.
 * @internal
 */
export function rememberWire2(socket: Socket, result: Wire2HandshakeResult): void {
  const key = keyOf(socket)
  done.set(key, result)
  socket.once('close', () => {
    if (done.get(key) === result) done.delete(key)
  })
}

/** The 2.x handshake of this connection's socket, once (the `Session` takes it), or undefined. @internal */
export function takeWire2(connection: Endpoints): Wire2HandshakeResult | undefined {
  if (done.size === 0) return undefined // 1.6.3 only: no key built
  const key = keyOf(connection)
  const r = done.get(key)
  if (r !== undefined) done.delete(key)
  return r
}
