import {
  encodeFrame,
  encodeWire2Frame,
  FrameTooLargeError,
  HEADER_SIZE,
  type Request,
  WIRE2_HEADER_SIZE,
} from '@veltix/codec'
import { WIRE2_SERVER_ID_WINDOW } from '@veltix/session'
import type { Peer, PeerOutbound } from './peer.js'

/**
 * Sends one request to many peers (internal; the server's `broadcast`). The frame is encoded once, in the
 * server's wire (`protocol` '1.6': 22 bytes; '2': 15 bytes, id 32768 — the server's half — unless the request has one
 * of its own), and handed to each peer's session (`Session.sendEncoded`): a plain session queues the
 * bytes as they are, an encrypted one seals them, and both count them in their stats. On '2' a session with
 * a link of ours in between (encryption, compression: they carry 1.6.3 inner frames) encodes its own.
 * Throws `FrameTooLargeError` up front (nothing sent) for a frame over `maxMessageSize`. Returns how many
 * connections accepted the frame.
 */
export function broadcast(
  request: Request,
  peers: Peer[],
  maxMessageSize: number,
  outbound: PeerOutbound,
  protocol: '1.6' | '2' = '1.6',
): number {
  const code = request.type.code
  const wire2 = protocol === '2'
  const len = (wire2 ? WIRE2_HEADER_SIZE : HEADER_SIZE) + request.payload.length
  if (len > maxMessageSize) throw new FrameTooLargeError(code, len, maxMessageSize)
  // 2.x: the first id of the server's half (the reference sends 0, which a client's pending wait would take)
  const requestId = wire2 && request.generatedId ? WIRE2_SERVER_ID_WINDOW : request.id
  const payload = request.payload
  const frame = wire2
    ? encodeWire2Frame({ code, requestId, payload })
    : encodeFrame({ code, requestId, payload })
  let accepted = 0
  const out = outbound.plugins
  for (const p of peers) {
    const s = p.session
    if (s === undefined) continue
    const linked = wire2 && (s.encrypted || s.sharedCapabilities.size > 0 || s.wire !== '2')
    const r = linked ? s.sendFrame(code, requestId, payload) : s.sendEncoded(frame)
    if (r === 'ok' || r === 'backpressure') {
      accepted++
      if (out !== undefined) out.sent(request, p.info)
    }
  }
  return accepted
}
