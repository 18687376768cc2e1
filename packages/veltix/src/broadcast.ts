import { encodeFrame, FrameTooLargeError, HEADER_SIZE, type Request } from '@veltix/codec'
import type { Peer, PeerOutbound } from './peer.js'

/**
 * Sends one request to many peers (internal; the server's `broadcast`). The frame is encoded once and handed
 * to each peer's session (`Session.sendEncoded`): a plain session queues the bytes as they are, an encrypted
 * one seals them, and both count them in their stats. Throws `FrameTooLargeError` up front (nothing sent)
 * for a frame over `maxMessageSize`. Returns how many connections accepted the frame.
 */
export function broadcast(
  request: Request,
  peers: Peer[],
  maxMessageSize: number,
  outbound: PeerOutbound,
): number {
  const code = request.type.code
  const len = HEADER_SIZE + request.payload.length
  if (len > maxMessageSize) throw new FrameTooLargeError(code, len, maxMessageSize)
  const frame = encodeFrame({ code, requestId: request.id, payload: request.payload })
  let accepted = 0
  const out = outbound.plugins
  for (const p of peers) {
    const r = p.session?.sendEncoded(frame)
    if (r === 'ok' || r === 'backpressure') {
      accepted++
      if (out !== undefined) out.sent(request, p.info)
    }
  }
  return accepted
}
