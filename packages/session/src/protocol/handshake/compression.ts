import { deflateRawSync, inflateRawSync } from 'node:zlib'
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  type Frame,
  HEADER_SIZE,
  MessageType,
  readFrameHeader,
} from '@veltix/codec'
import type { Connection, ConnectionHandler, SendResult } from '@veltix/transport'
import { SessionError } from '../../errors.js'
import { WrappingLink } from '../link-base.js'
import type { SecureLink } from '../secure-link.js'
import type { CapabilityFactory, HandshakeCapability, HandshakeContext } from './capability.js'

/** The capability key in the HELLO / HELLO_ACK block; its value is the format version (one byte, 1). */
export const COMPRESSION_KEY = 'vx.z'
/** The code of a compressed frame: payload = u16 original code ‖ deflate-raw(original payload). */
export const COMPRESSED_CODE = 33
export const COMPRESSED = new MessageType(COMPRESSED_CODE, 'vx.compressed', 'a deflate-raw frame (vx.z)')
/** Payloads above this many bytes are compressed by default. */
export const DEFAULT_COMPRESSION_THRESHOLD = 1024

const FORMAT = Uint8Array.of(1)

/** Per-message compression (negotiated: used only when both peers offer it). */
export interface CompressionInit {
  /** Payloads above this many bytes are compressed (default 1024). */
  threshold?: number
  /** zlib level, 1..9 (default 1: for JSON about the ratio of 6, at a fifth of the time). */
  level?: number
}

/** The session options compression reads. */
export interface CompressionOptions {
  compression?: CompressionInit
  maxMessageSize?: number
}

/**
 * A compressed frame would inflate past `maxMessageSize`: the session closes ('protocol-error'), nothing past
 * the limit is ever allocated. `code`: `'VELTIX_ERR_COMPRESSION_BOMB'`.
 */
export class CompressionBombError extends SessionError {
  readonly limit: number
  constructor(limit: number) {
    super(`a compressed frame inflates past maxMessageSize (${limit} bytes)`)
    this.name = 'CompressionBombError'
    this.code = 'VELTIX_ERR_COMPRESSION_BOMB'
    this.limit = limit
  }
}

/** A compressed frame that is not valid deflate-raw (or has no code): the session closes. `'VELTIX_ERR_DECOMPRESSION'`. */
export class DecompressionError extends SessionError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'DecompressionError'
    this.code = 'VELTIX_ERR_DECOMPRESSION'
  }
}

/**
 * Compression (capability `vx.z`): offered by a server in its HELLO, echoed by a client that has it too; then a
 * link around the session's connection (outside encryption: compress, then seal) that compresses what goes
 * out and inflates what comes in. A reference peer, or one without it, never sees a compressed frame.
 * @internal
 */
export const compression: CapabilityFactory<CompressionOptions> = (init, role) => {
  const c = init.compression
  if (c === undefined) return undefined
  const threshold = c.threshold ?? DEFAULT_COMPRESSION_THRESHOLD
  if (!(threshold >= 0)) throw new RangeError(`compression threshold must be >= 0, got ${threshold}`)
  const max = init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE
  return new Compression(role, threshold, c.level ?? 1, max)
}

class Compression implements HandshakeCapability {
  readonly name = 'compression'
  readonly types = [COMPRESSED]
  readonly #role: 'server' | 'client'
  readonly #threshold: number
  readonly #level: number
  readonly #max: number
  #on = false

  constructor(role: 'server' | 'client', threshold: number, level: number, max: number) {
    this.#role = role
    this.#threshold = threshold
    this.#level = level
    this.#max = max
  }

  offer(caps: Map<string, Uint8Array>): void {
    caps.set(COMPRESSION_KEY, FORMAT)
  }

  accept(offered: ReadonlyMap<string, Uint8Array> | null, caps: Map<string, Uint8Array>): void {
    if (offered?.get(COMPRESSION_KEY)?.[0] !== 1) return
    caps.set(COMPRESSION_KEY, FORMAT)
    this.#on = true
  }

  start(ctx: HandshakeContext): void {
    const on = this.#role === 'client' ? this.#on : ctx.peerCapabilities.get(COMPRESSION_KEY)?.[0] === 1
    if (on) {
      const link = new CompressionLink(ctx.out, ctx, this.#threshold, this.#level, this.#max)
      // The session treats it as its link: it forwards the secure link's members when one is inside.
      ctx.wrap(link as unknown as SecureLink)
    }
    ctx.next()
  }
}

type Host = Pick<HandshakeContext, 'fail'>

/** A `Connection` around the session's current one that compresses and inflates frames. @internal */
export class CompressionLink extends WrappingLink {
  readonly #host: Host
  readonly #threshold: number
  readonly #level: number
  readonly #max: number

  constructor(inner: Connection, host: Host, threshold: number, level: number, max: number) {
    super(inner)
    this.#host = host
    this.#threshold = threshold
    this.#level = level
    this.#max = max
  }

  send(code: number, requestId: number, payload: Uint8Array, timestamp?: number): SendResult {
    if (payload.length > this.#threshold) {
      const z = deflateRawSync(payload, { level: this.#level })
      if (z.length + 2 < payload.length) {
        const out = Buffer.allocUnsafe(2 + z.length)
        out.writeUInt16BE(code, 0)
        z.copy(out, 2)
        return this.inner.send(COMPRESSED_CODE, requestId, out, timestamp)
      }
    }
    return this.inner.send(code, requestId, payload, timestamp)
  }

  /** Pre-encoded frames (a broadcast's): one large frame is compressed for this peer, others go as they are. */
  sendEncoded(frames: Uint8Array): SendResult {
    if (frames.length > HEADER_SIZE + this.#threshold) {
      const h = readFrameHeader(frames, 0)
      if (HEADER_SIZE + h.size === frames.length) {
        return this.send(h.code, h.requestId, frames.subarray(HEADER_SIZE), h.timestamp)
      }
    }
    return this.inner.sendEncoded(frames)
  }

  /** A frame from the inner connection: a compressed one is inflated (bounded), others pass. */
  receive(f: Frame, handler: ConnectionHandler): void {
    if (f.code !== COMPRESSED_CODE) {
      handler.frame(f)
      return
    }
    const p = f.payload
    if (p.length < 2) {
      this.#host.fail(new DecompressionError('a compressed frame without its code'), 'protocol-error')
      return
    }
    const limit = this.#max - HEADER_SIZE
    let payload: Buffer
    try {
      // maxOutputLength: zlib stops at the limit, so a bomb never allocates past it.
      payload = inflateRawSync(p.subarray(2), { maxOutputLength: Math.max(1, limit) })
    } catch (error) {
      const code = (error as { code?: string }).code
      this.#host.fail(
        code === 'ERR_BUFFER_TOO_LARGE'
          ? new CompressionBombError(this.#max)
          : new DecompressionError('a compressed frame that does not inflate', { cause: error }),
        'protocol-error',
      )
      return
    }
    const code = (p[0]! << 8) | p[1]!
    handler.frame({ code, requestId: f.requestId, timestamp: f.timestamp, payload })
  }
}
