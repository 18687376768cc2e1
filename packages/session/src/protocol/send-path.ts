import { nextRequestId, type Request, SYSTEM_CODE_MAX } from '@veltix/codec'
import type { Connection, SendResult } from '@veltix/transport'
import type { RequestIdSpace } from '../wire2/request-ids.js'
import { nextWire2Id } from '../wire2/session-wire.js'
import type { SessionStats } from './types.js'
import type { Waits } from './waits.js'

// The session's send path, kept out of session.ts (size) as plain functions: V8 inlines them into the
// session's methods, so the hot path costs no extra call level (A/B in the bench README).

/**
 * Writes one frame on `out` (the connection or the link around it) and counts it when the connection took it
 * ('ok' or 'backpressure'); `hdr` is the wire's header size, counted in the byte stats. @internal
 */
export function sendCounted(
  out: Connection,
  st: SessionStats,
  hdr: number,
  code: number,
  requestId: number,
  payload: Uint8Array,
): SendResult {
  const r = out.send(code, requestId, payload)
  if (r === 'ok' || r === 'backpressure') {
    st.messagesOut++
    if (code <= SYSTEM_CODE_MAX) st.systemOut++
    st.bytesOut += hdr + payload.length
  }
  return r
}

/** Writes bytes that are already `count` whole encoded frames and counts them like any send. @internal */
export function sendEncodedCounted(
  out: Connection,
  st: SessionStats,
  frames: Uint8Array,
  count: number,
): SendResult {
  const r = out.sendEncoded(frames)
  if (r === 'ok' || r === 'backpressure') {
    st.messagesOut += count
    st.bytesOut += frames.length
  }
  return r
}

/**
 * The id a plain `send` carries. 2.x: a request without an id of its own carries the first id of this side's
 * half (a client 0, a server 32768), never one the peer could have pending: a 0 from a server was taken for a
 * client's reply. 1.6.3: the request's own id. @internal
 */
export function plainSendId(request: Request, ids: RequestIdSpace | undefined): number {
  return request.generatedId && ids !== undefined ? ids.min : request.id
}

/** An id no wait holds: the 2.x wire's next 16-bit one (or `RequestIdsExhaustedError`), else a fresh u32. @internal */
export function freshRequestId(ids: RequestIdSpace | undefined, waits: Waits): number | Error {
  if (ids !== undefined) return nextWire2Id(ids, waits)
  let id = nextRequestId()
  while (waits.has(id)) id = nextRequestId()
  return id
}
