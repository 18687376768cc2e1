import { ERROR, FRAME_PROFILE_1_6, type FrameProfile } from '@veltix/codec'
import type { Connection } from './connection.js'

/**
 * The one ERROR frame that tells a refused peer why (type `ERROR`, request id 0, the reason as UTF-8): what
 * the server transport writes to a socket over `maxConnection`, before it is a connection. A Veltix client
 * that receives it before the handshake fails with `ServerRefusedError` carrying `reason`.
 */
export function encodeRefusal(reason: string, profile: FrameProfile = FRAME_PROFILE_1_6): Buffer {
  const payload = Buffer.from(reason, 'utf8')
  const frame = Buffer.allocUnsafe(profile.headerSize + payload.length)
  profile.writeFrame(frame, 0, ERROR.code, 0, payload, Date.now())
  return frame
}

/**
 * Refuses a connection nobody has taken yet (call it inside `onConnection` instead of `setHandler`): its
 * input is discarded, one ERROR frame says why (as `encodeRefusal` encodes it), then it closes gracefully (the frame is
 * flushed before the FIN). Resolves once closed.
 */
export function refuseConnection(conn: Connection, reason: string): Promise<void> {
  conn.setHandler(DISCARD)
  conn.send(ERROR.code, 0, Buffer.from(reason, 'utf8'))
  return conn.close()
}

const noop = (): void => {}
const DISCARD = { frame: noop, close: noop }
