import type { CodecError, Frame, FrameStreamDecoder } from '@veltix/codec'
import type { ResolvedOptions } from '../options.js'

/** Where the shared decoder sends what it decodes: the connection whose chunk it is decoding. */
export interface DecodeTarget {
  /** One decoded frame. */
  deliverFrame(frame: Frame): void
  /** A decoding error (fatal or not). */
  decodeFailed(error: CodecError): void
}

/**
 * One `FrameDecoder` per transport, used in turn by every connection whose input is at a frame boundary,
 * so that an idle connection owns no decoder (its chunks, `Uint8Array` header and closures cost about
 * 0.6 KiB). It starts each chunk empty, so what it has left over after a chunk is exactly that chunk's
 * tail: the connection hands that tail to a decoder of its own, and the shared one starts afresh.
 */
export class SharedDecoder {
  #target: DecodeTarget | undefined
  readonly #decoder: FrameStreamDecoder

  constructor(opts: ResolvedOptions) {
    this.#decoder = opts.frameProfile.createDecoder({
      onFrame: (frame) => this.#target!.deliverFrame(frame),
      onError: (error) => this.#target!.decodeFailed(error),
      maxMessageSize: opts.maxMessageSize,
      registry: opts.registry,
    })
  }

  /** True while a chunk is being decoded (a handler re-entering must use its own decoder). */
  get busy(): boolean {
    return this.#target !== undefined
  }

  /**
   * Decodes `chunk` for `conn` (frames and errors go to it). Returns how many bytes at the end of the chunk
   * are the start of an incomplete frame, or -1 after a fatal error (already reported to `conn`).
   */
  decode(conn: DecodeTarget, chunk: Uint8Array): number {
    const d = this.#decoder
    this.#target = conn
    try {
      d.push(chunk)
    } catch (err) {
      d.reset()
      throw err
    } finally {
      this.#target = undefined
    }
    if (d.error !== undefined) {
      d.reset()
      return -1
    }
    const rest = d.bufferedBytes
    if (rest > 0) d.reset()
    return rest
  }
}

const shared = new WeakMap<ResolvedOptions, SharedDecoder>()
// The last lookup: a process usually has one transport, and this runs once per socket chunk.
let lastOpts: ResolvedOptions | undefined
let lastDecoder: SharedDecoder | undefined

/**
 * The shared decoder of the transport these options belong to (options are resolved once per server
 * transport; client connections with the same settings share one resolved object, see `resolveOptions`).
 */
export function sharedDecoder(opts: ResolvedOptions): SharedDecoder {
  if (opts === lastOpts) return lastDecoder!
  let d = shared.get(opts)
  if (d === undefined) {
    d = new SharedDecoder(opts)
    shared.set(opts, d)
  }
  lastOpts = opts
  lastDecoder = d
  return d
}
