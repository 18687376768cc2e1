import { encodeFrame, HEADER_SIZE, type Request } from '@veltix/codec'
import type { ServerTransport } from '@veltix/transport'
import type { Peer } from './peer.js'

/**
 * Sends one request to many peers (internal; the server's `broadcast`). Plain connections share one encoded
 * frame (the transport's broadcast, or `sendEncoded` when it is gone); encrypted ones cannot, each session
 * seals its own. The frames written past the session are counted on the peer (`broadcastOut` /
 * `broadcastBytes`) so its stats see them. Returns how many connections accepted the frame.
 */
export function broadcast(
  transport: ServerTransport | undefined,
  request: Request,
  peers: Peer[],
  encryption: boolean,
): number {
  let plain = peers
  let sealed = 0
  if (encryption) {
    plain = []
    for (const p of peers) {
      const s = p.session
      if (s?.encrypted) {
        if (s.send(request)) sealed++
      } else plain.push(p)
    }
    if (plain.length === 0) return sealed
  }
  return sealed + broadcastPlain(transport, request, plain)
}

function broadcastPlain(transport: ServerTransport | undefined, request: Request, peers: Peer[]): number {
  const conns = peers.map((p) => p.conn)
  let accepted: number
  if (transport !== undefined) {
    accepted = transport.broadcast(request.type.code, request.id, request.payload, conns)
  } else {
    const bytes = encodeFrame({ code: request.type.code, requestId: request.id, payload: request.payload })
    accepted = 0
    for (const conn of conns) {
      const r = conn.sendEncoded(bytes)
      if (r === 'ok' || r === 'backpressure') accepted++
    }
  }
  // Count per connection for stats; when some refused, those are the ones that closed meanwhile.
  const size = HEADER_SIZE + request.payload.length
  for (const p of peers) {
    if (accepted === peers.length || !p.conn.closed) {
      p.broadcastOut++
      p.broadcastBytes += size
    }
  }
  return accepted
}
