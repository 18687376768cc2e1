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
 *
 * `all`: `peers` is every peer of the server (its map's values, iterated directly: no array, no set per call)
 * and only live ones not closed and not in `skip` get the frame; otherwise `peers` is already filtered. The
 * size check runs before the first send, so an oversize broadcast sends nothing (and, as before, with no
 * eligible peer returns 0).
 */
export function broadcast(
  request: Request,
  peers: Iterable<Peer>,
  maxMessageSize: number,
  outbound: PeerOutbound,
  protocol: '1.6' | '2' = '1.6',
  all = false,
  skip?: ReadonlySet<unknown>,
): number {
  const code = request.type.code
  const wire2 = protocol === '2'
  const len = (wire2 ? WIRE2_HEADER_SIZE : HEADER_SIZE) + request.payload.length
  // 2.x: the first id of the server's half (the reference sends 0, which a client's pending wait would take)
  const requestId = wire2 && request.generatedId ? WIRE2_SERVER_ID_WINDOW : request.id
  const payload = request.payload
  let frame: Uint8Array | undefined
  let accepted = 0
  const out = outbound.plugins
  for (const p of peers) {
    if (all && (!p.live || (p.conn.closed && p.resume?.alive !== true) || skip?.has(p) === true)) continue
    const s = p.session
    if (s === undefined) continue
    if (frame === undefined) {
      if (len > maxMessageSize) throw new FrameTooLargeError(code, len, maxMessageSize)
      frame = wire2
        ? encodeWire2Frame({ code, requestId, payload })
        : encodeFrame({ code, requestId, payload })
    }
    const linked = wire2 && (s.encrypted || s.sharedCapabilities.size > 0 || s.wire !== '2')
    const r = linked ? s.sendFrame(code, requestId, payload) : s.sendEncoded(frame)
    if (r === 'ok' || r === 'backpressure') {
      accepted++
      if (out !== undefined) out.sent(request, p.info)
    }
  }
  return accepted
}
