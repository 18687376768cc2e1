import { type Capabilities, decodeHelloPayload, encodeHelloPayload } from '@veltix/codec'
import {
  type ClientHandshakeInit,
  createClientHandshake,
  createServerHandshake,
  generateIdentity,
  type IdentityKeyPair,
  type SecureChannel,
  type ServerHandshakeInit,
} from '../../src/secure/index.js'

export const VERSION = '1.6.3'
export const serverIdentity: IdentityKeyPair = generateIdentity()

export interface Pair {
  client: SecureChannel
  server: SecureChannel
}

/** Runs a full in-memory handshake; `tamper*` hooks play the man in the middle on each flight. */
export function handshake(
  clientInit: ClientHandshakeInit,
  serverInit: Partial<ServerHandshakeInit> = {},
  mitm: {
    hello?: (p: Uint8Array) => Uint8Array
    ack?: (p: Uint8Array) => Uint8Array
    finished?: (p: Uint8Array) => Uint8Array
  } = {},
): Pair {
  const s = createServerHandshake({ identity: serverIdentity, ...serverInit })
  const c = createClientHandshake(clientInit)
  const hello = s.hello(VERSION)
  const h = c.receiveHello(mitm.hello ? mitm.hello(hello) : hello, VERSION)
  if (h.status !== 'awaiting-finished') throw new Error(`client went ${h.status}`)
  const a = s.receiveAck(mitm.ack ? mitm.ack(h.ack) : h.ack)
  if (a.status === 'plain') throw new Error('server went plain')
  const fin = c.receiveFinished(mitm.finished ? mitm.finished(a.finished) : a.finished)
  if (a.status === 'secure') {
    if (fin.finished !== undefined) throw new Error('client sent a Finished the server does not expect')
    return { client: fin.channel, server: a.channel }
  }
  if (fin.finished === undefined) throw new Error('client sent no Finished')
  return { client: fin.channel, server: s.receiveClientFinished(fin.finished) }
}

/** Rewrites a HELLO / HELLO_ACK payload's capabilities (what a man in the middle can do: the CRC is no MAC). */
export function editCaps(
  payload: Uint8Array,
  edit: (caps: Map<string, Uint8Array>) => void,
  dropBlock = false,
): Uint8Array {
  const d = decodeHelloPayload(payload)
  if (dropBlock) return encodeHelloPayload(d.version)
  const caps = new Map(d.capabilities ?? [])
  edit(caps)
  return encodeHelloPayload(d.version, caps as Capabilities)
}

export function flip(bytes: Uint8Array, index: number, mask = 0x01): Uint8Array {
  const out = new Uint8Array(bytes)
  out[index]! ^= mask
  return out
}
