import {
  ChecksumMismatchError,
  type CodecError,
  type Frame,
  FrameTooLargeError,
  HEADER_SIZE,
  MessageType,
  readFrameHeader,
  UnknownMessageTypeError,
} from '@veltix/codec'
import type { Connection, ConnectionHandler, SendResult } from '@veltix/transport'
import { ConnectionClosedError } from '../../errors.js'
import { WrappingLink } from '../link-base.js'
import type { SessionCloseReason } from '../types.js'
import type { Waits } from '../waits.js'
import { ResumeProtocolError } from './errors.js'
import { AckScheduler } from './replay-buffer.js'
import type { ResumeState } from './state.js'

/** The resume handshake frame: the client's request, the server's answer (request id = the HELLO's). */
export const RESUME_CODE = 34
/** A cumulative ack: u64 BE count of application frames delivered (+ one byte 1: "closing on purpose"). */
export const RESUME_ACK_CODE = 35
export const RESUME = new MessageType(RESUME_CODE, 'vx.resume', 'resume request / answer (vx.r)')
export const RESUME_ACK = new MessageType(RESUME_ACK_CODE, 'vx.ack', 'cumulative ack (vx.r)')

/**
 * Which frames are numbered, kept and replayed: every code but the session's own (0–19: ping, pong, heartbeat,
 * hello; 30–39: Veltix's handshake, compression and resume frames).
 */
export function numbered(code: number): boolean {
  return code >= 20 && (code < 30 || code >= 40)
}

/** What the link needs of its session. */
export interface ResumeLinkHost {
  fail(error: Error, reason: SessionCloseReason): void
}

const HEAD: ReturnType<typeof readFrameHeader> = { code: 0, size: 0, checksum: 0, timestamp: 0, requestId: 0 }

/**
 * A `Connection` around the session's (outermost: inside it frames are compressed and sealed) that numbers
 * application frames: what goes out is kept in the state's replay buffer until the peer acks it, what comes in
 * is counted and acked in batches (`AckScheduler`). After its connection drops, sends are kept for the replay
 * while the state is held. @internal
 */
export class ResumeLink extends WrappingLink {
  readonly state: ResumeState
  readonly #host: ResumeLinkHost
  readonly #max: number
  readonly #windowMs: number
  readonly #acks: AckScheduler
  /** Set when this link cut its connection for a full buffer. */
  #cut: Error | undefined = undefined

  constructor(
    inner: Connection,
    state: ResumeState,
    host: ResumeLinkHost,
    maxMessageSize: number,
    windowMs: number,
  ) {
    super(inner)
    this.state = state
    this.#host = host
    this.#max = maxMessageSize
    this.#windowMs = windowMs
    this.#acks = new AckScheduler(() => this.sendAck(false))
  }

  send(code: number, requestId: number, payload: Uint8Array, timestamp?: number): SendResult {
    const st = this.state
    const attached = st.link === this
    if (!numbered(code)) return attached ? this.inner.send(code, requestId, payload, timestamp) : 'closed'
    const len = HEADER_SIZE + payload.length
    if (len > this.#max) throw new FrameTooLargeError(code, len, this.#max)
    if (!attached) {
      // An older session of a resumed state (the application kept its handle): the current connection sends it.
      const current = st.link
      if (current !== undefined && st.status === 'attached')
        return current.send(code, requestId, payload, timestamp)
      if (st.status !== 'held') return 'closed'
    }
    // Kept by reference, not copied (the happy path stays one copy): a payload must not change once sent.
    if (!this.#push(payload, code, requestId, attached)) return 'closed'
    // Held (its connection dropped): kept for the replay.
    if (!attached) return 'ok'
    return this.#sent(this.inner.send(code, requestId, payload, timestamp), 1)
  }

  /** Pre-encoded frames (a broadcast's): each numbered one is kept (a view: broadcast bytes are never reused). */
  sendEncoded(frames: Uint8Array): SendResult {
    const st = this.state
    const attached = st.link === this
    if (!attached) {
      const current = st.link
      if (current !== undefined && st.status === 'attached') return current.sendEncoded(frames)
      if (st.status !== 'held') return 'closed'
    }
    let kept = 0
    for (let off = 0; off + HEADER_SIZE <= frames.length; ) {
      const h = readFrameHeader(frames, off, HEAD)
      const end = off + HEADER_SIZE + h.size
      if (numbered(h.code)) {
        if (!this.#push(frames.subarray(off + HEADER_SIZE, end), h.code, h.requestId, attached)) {
          while (kept-- > 0) st.replay.dropLast()
          return 'closed'
        }
        kept++
      }
      off = end
    }
    if (!attached) return kept > 0 ? 'ok' : 'closed'
    return this.#sent(this.inner.sendEncoded(frames), kept)
  }

  /** Keeps one numbered frame; false when that crosses `maxBufferedBytes` (the state is then lost, counted). */
  #push(payload: Uint8Array, code: number, requestId: number, attached: boolean): boolean {
    const st = this.state
    try {
      st.replay.push(payload, code, requestId)
      return true
    } catch (error) {
      st.stats.bufferFull++
      // Cut: the state goes with the session's close (`closing`), its waits rejected with this error.
      if (attached) {
        this.#cut = error as Error
        this.#host.fail(error as Error, 'protocol-error')
      } else st.expire(error as Error)
      return false
    }
  }

  /** The connection's answer for `kept` frames just kept. */
  #sent(r: SendResult, kept: number): SendResult {
    if (r === 'ok' || r === 'backpressure') return r
    // The connection is going: kept, replayed on the next one.
    if (r === 'closed') return 'ok'
    // Refused (its queue is full): they never went out, so they take no number.
    while (kept-- > 0) this.state.replay.dropLast()
    return r
  }

  /** Sends what the peer lacks (it delivered `peerDelivered`) on this connection; false: it is gone already. */
  replayTo(peerDelivered: number): boolean {
    const st = this.state
    if (peerDelivered < st.replay.acked || !st.replay.ack(peerDelivered)) return false
    const inner = this.inner
    const want = st.replay.length
    const n = st.replay.replaySince(peerDelivered, (code, id, payload) => {
      const r = inner.send(code, id, payload)
      return r === 'ok' || r === 'backpressure'
    })
    if (n === undefined || n < want) return false
    st.stats.replayed += n
    return true
  }

  /** One cumulative ack of what was delivered (`final`: this side closes on purpose, forget it). */
  sendAck(final: boolean): void {
    const p = new Uint8Array(final ? 9 : 8)
    writeU64(p, 0, this.state.inbound.delivered)
    if (final) p[8] = 1
    this.inner.send(RESUME_ACK_CODE, 0, p)
  }

  /** Before a deliberate close: a final ack that tells the peer not to hold this connection. */
  override sendCloseNotify(): boolean {
    if (this.state.link === this && !this.inner.closed) {
      this.#acks.stop()
      this.sendAck(true)
    }
    return super.sendCloseNotify()
  }

  override dispose(): void {
    this.#acks.stop()
    super.dispose()
  }

  /** A newer connection resumed this state: this link's session goes now (its waits stay with the state). */
  destroyOwner(): void {
    this.#host.fail(new ConnectionClosedError('the connection was resumed on a newer one'), 'local')
  }

  /** The session is closing: hold the state (true: `waits` go with it) or free it. */
  closing(reason: SessionCloseReason, waits: Waits | undefined): boolean {
    this.#acks.stop()
    const cut = this.#cut
    if (cut !== undefined) return this.state.lose(this, waits, cut)
    return this.state.closing(this, reason, waits, this.#windowMs)
  }

  override decodeFailed(e: CodecError, handler: ConnectionHandler): void {
    handler.decodeError?.(e)
    // A frame dropped for a bad CRC would shift the count both sides resume from (one delivered twice, one
    // lost): the link is cut instead, so the replay sends it again, intact.
    if (e instanceof ChecksumMismatchError && this.state.link === this) this.#host.fail(e, 'protocol-error')
    // A frame of a type this side does not declare, dropped on purpose (`unknownMessageTypes: 'drop'`): the peer
    // numbered it, so it counts as delivered, or every later frame would be replayed from one too early.
    else if (e instanceof UnknownMessageTypeError && numbered(e.messageCode) && this.state.link === this) {
      this.state.inbound.delivered++
      this.#acks.delivered(e.size)
    }
  }

  receive(f: Frame, handler: ConnectionHandler): void {
    const st = this.state
    if (st.link !== this) return
    const code = f.code
    if (numbered(code)) {
      // replays start right after what this side reported: nothing delivered twice (the count is the ack)
      st.inbound.delivered++
      this.#acks.delivered(f.payload.length)
      handler.frame(f)
      return
    }
    if (code === RESUME_ACK_CODE) {
      const p = f.payload
      if (p.length !== 8 && p.length !== 9) {
        this.#host.fail(new ResumeProtocolError(`an ack of ${p.length} bytes`), 'protocol-error')
        return
      }
      if (!st.replay.ack(readU64(p, 0))) {
        this.#host.fail(new ResumeProtocolError('an ack past what was sent'), 'protocol-error')
        return
      }
      if (p.length === 9 && p[8] === 1) st.released = true
      return
    }
    handler.frame(f)
  }
}

export function writeU64(out: Uint8Array, off: number, n: number): void {
  const hi = Math.floor(n / 2 ** 32)
  const lo = n >>> 0
  out[off] = hi >>> 24
  out[off + 1] = (hi >>> 16) & 0xff
  out[off + 2] = (hi >>> 8) & 0xff
  out[off + 3] = hi & 0xff
  out[off + 4] = lo >>> 24
  out[off + 5] = (lo >>> 16) & 0xff
  out[off + 6] = (lo >>> 8) & 0xff
  out[off + 7] = lo & 0xff
}

export function readU64(p: Uint8Array, off: number): number {
  const hi = ((p[off]! << 24) | (p[off + 1]! << 16) | (p[off + 2]! << 8) | p[off + 3]!) >>> 0
  const lo = ((p[off + 4]! << 24) | (p[off + 5]! << 16) | (p[off + 6]! << 8) | p[off + 7]!) >>> 0
  return hi * 2 ** 32 + lo
}
