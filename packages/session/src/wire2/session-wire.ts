import { randomInt } from 'node:crypto'
import { WIRE2_HEADER_SIZE } from '@veltix/codec'
import type { Connection } from '@veltix/transport'
import type { HandshakeCapability } from '../protocol/handshake/capability.js'
import type { HandshakeDriver } from '../protocol/handshake/driver.js'
import type { Waits } from '../protocol/waits.js'
import type { Wire2HandshakeResult } from './handshake.js'
import { takeWire2 } from './registry.js'
import { RequestIdSpace } from './request-ids.js'

/**
 * What a `Session` does differently on a 2.x connection (its JSON handshake already done by the transport's
 * preface): where its handshake starts, where its request ids come from. Kept here, out of `session.ts`.
 * @internal
 */

/** The session's 2.x handshake: given (`SessionInit.wire2`), or the one the preface recorded for its socket. */
export function wire2Of(
  wire2: Wire2HandshakeResult | false | undefined,
  connection: Connection,
): Wire2HandshakeResult | undefined {
  if (wire2 === false) return undefined
  return wire2 ?? takeWire2(connection)
}

/**
 * Starts the session's handshake on a 2.x connection and returns its id space. Between two Veltix for
 * TypeScript peers (both sent `meta.vx`), our HELLO / HELLO_ACK and the capability phases run in 2.x frames, the
 * server's HELLO id taken from its own half of the ids; with a Python peer nothing is sent and the
 * capabilities decide as they do with a 1.6.3 reference peer (e.g. `encryption: 'required'` fails, typed).
 */
export function beginWire2(
  hs: HandshakeDriver<object>,
  capabilities: readonly HandshakeCapability[],
  w2: Wire2HandshakeResult,
  role: 'server' | 'client',
): RequestIdSpace {
  const ids = new RequestIdSpace(w2.idMin, w2.idMax)
  if (w2.extension) hs.begin(capabilities, role === 'server' ? randomInt(w2.idMin, w2.idMax + 1) : undefined)
  else hs.beginWithoutHello(capabilities, w2.peer.v ?? `pv ${w2.peer.pv ?? '?'}`)
  return ids
}

/** A fresh id for a wait, never one still pending; the `RequestIdsExhaustedError` (returned) when all are. */
export function nextWire2Id(ids: RequestIdSpace, waits: Waits): number | Error {
  try {
    return ids.next((id) => waits.has(id), waits.size)
  } catch (error) {
    return error as Error
  }
}

/** The header size the session counts in its byte stats: the 2.x frame's, or the 1.6.3 one's. */
export function headerSizeOf(w2: Wire2HandshakeResult | undefined, fallback: number): number {
  return w2 === undefined ? fallback : WIRE2_HEADER_SIZE
}
