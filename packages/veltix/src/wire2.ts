import { FRAME_PROFILE_2, type FrameProfile } from '@veltix/codec'
import { encodeHandshakeMessage, wire2ClientPreface, wire2ServerPreface } from '@veltix/session'
import { type ServerTransportInit, SocketCore } from '@veltix/transport'
import { ConfigError } from './errors.js'

/** Which wire a server speaks (one per server). */
export type ServerProtocol = '1.6' | '2'
/** Which wire a client speaks: `'auto'` reads the server's first bytes. */
export type ClientProtocol = 'auto' | '1.6' | '2'

/**
 * What we put in `meta.vx` (internal): "our 1.6.3 HELLO / HELLO_ACK, with its capability block, follows in
 * 2.x frames". A server sends it only when it has an extra to negotiate; a client answers a server that did.
 */
const EXTRAS = Object.freeze({ hello: 1 })

/** Checks `protocol` for a side (internal): a clear `ConfigError` for a bad value or the worker core with '2'. */
export function protocolOf<P extends string>(
  value: unknown,
  allowed: readonly P[],
  fallback: P,
  core: SocketCore,
): P {
  const p = value ?? fallback
  if (!allowed.includes(p as P)) {
    throw new ConfigError('protocol', `must be ${allowed.map((a) => `'${a}'`).join(', ')}; got ${String(p)}`)
  }
  // 'auto' stays allowed: a client on the worker core that finds a 2.x server switches to the loop core.
  if (core === SocketCore.WORKER && p === '2') {
    throw new ConfigError(
      'protocol',
      `'${String(p)}' needs the loop core (socketCore: 'loop'): the worker core speaks only the 1.6.3 frame`,
    )
  }
  return p as P
}

/** A protocol-'2' server's transport options (internal): the 15-byte frame, the JSON handshake, its refusal. */
export function serverWire2(
  protocol: ServerProtocol,
  timeout: number,
  hasExtras: () => boolean,
): Pick<ServerTransportInit, 'frameProfile' | 'preface' | 'refusal'> {
  if (protocol !== '2') return {}
  return {
    frameProfile: FRAME_PROFILE_2,
    // Read per connection: a plugin registered later (compression) is announced to the next clients.
    preface: (socket) => wire2ServerPreface(hasExtras() ? { timeout, extras: EXTRAS } : { timeout })(socket),
    refusal: () => encodeHandshakeMessage({ error: 'server_full' }),
  }
}

/** A client's transport options for `protocol` (internal); '1.6' adds nothing (the 1.6.3 bytes exactly). */
export function clientWire2(
  protocol: ClientProtocol,
  timeout: number,
): { frameProfile?: FrameProfile; preface?: ReturnType<typeof wire2ClientPreface> } {
  if (protocol === '1.6') return {}
  const preface = wire2ClientPreface(protocol, { timeout, extras: EXTRAS })
  return protocol === '2' ? { frameProfile: FRAME_PROFILE_2, preface } : { preface }
}
