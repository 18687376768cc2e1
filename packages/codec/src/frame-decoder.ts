import { DEFAULT_MAX_MESSAGE_SIZE, HEADER_SIZE } from './constants.js'
import { crc32I32, crc32Range, NATIVE_CRC32_THRESHOLD, wasmCrc32 } from './crc32.js'
import {
  ChecksumMismatchError,
  type CodecError,
  FrameTooLargeError,
  UnknownMessageTypeError,
} from './errors.js'
import { checkMaxMessageSize, type Frame } from './frame.js'
import {
  headerChecksumI32,
  headerCode,
  headerRequestId,
  headerTimestamp,
  readPayloadSize,
} from './frame-header.js'
import type { MessageTypeRegistry } from './message-type.js'

/** Options of a `FrameDecoder`. */
export interface FrameDecoderInit {
  /** Called with each complete, valid frame, in stream order. */
  onFrame: (frame: Frame) => void
  /**
   * Called with each decoding error. Non-fatal ones (`ChecksumMismatchError`, `UnknownMessageTypeError`) skip
   * that frame only; a fatal one (`FrameTooLargeError`) stops the decoder, which then refuses further input.
   * Without it, non-fatal errors are only counted and a fatal one is thrown from `push`.
   */
  onError?: (error: CodecError) => void
  /** Limit on a frame's total length (header + payload); default 10 MiB (the reference's). No hidden cap. */
  maxMessageSize?: number
  /** When given, frames whose code is not in it are reported (`UnknownMessageTypeError`) and skipped. */
  registry?: MessageTypeRegistry
}

/** Counters kept by a decoder. */
export interface FrameDecoderStats {
  frames: number
  bytes: number
  checksumErrors: number
  unknownTypes: number
}

const EMPTY = new Uint8Array(0)

/**
 * Cuts a TCP byte stream into frames. Chunks are kept in a list, never concatenated: a payload that lies
 * inside one chunk is handed out as a zero-copy view of it (so it keeps that chunk alive while you hold it;
 * copy it if you keep it long), and only a payload that spans chunks is copied, once, into its own buffer.
 * The size field is checked against `maxMessageSize` as soon as a header is complete, before any payload is
 * buffered.
 */
export class FrameDecoder {
  readonly maxMessageSize: number
  readonly stats: FrameDecoderStats = { frames: 0, bytes: 0, checksumErrors: 0, unknownTypes: 0 }
  readonly #onFrame: (frame: Frame) => void
  readonly #onError: ((error: CodecError) => void) | undefined
  readonly #registry: MessageTypeRegistry | undefined
  #chunks: Uint8Array[] = []
  #first = 0 // index of the first live chunk (an index, not shift(): O(1) per consumed chunk)
  #head = 0 // read offset in #chunks[#first]
  #buffered = 0 // bytes held, from #head
  #failed: CodecError | undefined
  #slowWaiting = false // the frame at the head is incomplete: wait for more input
  readonly #header = new Uint8Array(HEADER_SIZE)
  #view: DataView | undefined // over #viewOf, for the JS checksum of short payloads
  #viewOf: Uint8Array | undefined

  constructor(init: FrameDecoderInit) {
    this.#onFrame = init.onFrame
    this.#onError = init.onError
    this.#registry = init.registry
    this.maxMessageSize = checkMaxMessageSize(init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE)
  }

  /** Bytes received but not yet part of a complete frame. */
  get bufferedBytes(): number {
    return this.#buffered
  }

  /** The fatal error that stopped this decoder, if any. */
  get error(): CodecError | undefined {
    return this.#failed
  }

  /**
   * Feeds a chunk. Returns false (and ignores the chunk) once a fatal error has stopped the decoder.
   * An exception thrown by `onFrame` / `onError` propagates out of `push`; the frame it concerned is consumed
   * and the complete frames after it stay buffered until the next `push` (an empty chunk will do).
   */
  push(chunk: Uint8Array): boolean {
    if (this.#failed !== undefined) return false
    if (chunk.length > 0) {
      this.#chunks.push(chunk)
      this.#buffered += chunk.length
    }
    this.#drain()
    return this.#failed === undefined
  }

  /** Drops everything buffered and clears a fatal error: the decoder starts afresh (for a new connection). */
  reset(): void {
    this.#chunks = []
    this.#first = 0
    this.#head = 0
    this.#buffered = 0
    this.#view = undefined
    this.#viewOf = undefined
    this.#failed = undefined
  }

  #drain(): void {
    const limit = this.maxMessageSize
    while (this.#buffered >= HEADER_SIZE) {
      const c = this.#chunks[this.#first]!
      const h = this.#head
      // Fast path: a whole frame inside the first chunk (the common case) is read in place, its payload is a
      // view, and a short payload is checksummed in JS through a DataView kept per chunk (no allocation).
      if (c.length - h >= HEADER_SIZE) {
        const size = readPayloadSize(c, h)
        const total = HEADER_SIZE + size
        if (total <= limit && c.length - h >= total) {
          const code = headerCode(c, h)
          const expected = headerChecksumI32(c, h)
          const timestamp = headerTimestamp(c, h)
          const requestId = headerRequestId(c, h)
          const start = h + HEADER_SIZE
          let payload: Uint8Array
          let actual: number
          if (size === 0) {
            payload = EMPTY
            actual = 0
          } else {
            payload = new Uint8Array(c.buffer, c.byteOffset + start, size)
            // The WASM kernel reads a copy of the payload, so the view made anyway is what it takes.
            if (size >= NATIVE_CRC32_THRESHOLD || wasmCrc32) actual = crc32I32(payload)
            else {
              if (this.#viewOf !== c) {
                this.#viewOf = c
                this.#view = new DataView(c.buffer, c.byteOffset, c.byteLength)
              }
              actual = crc32Range(c, this.#view!, start, start + size)
            }
          }
          if (c.length - h === total) this.#skip(total)
          else {
            this.#head = h + total
            this.#buffered -= total
          }
          this.#deliver(code, size, expected, actual, timestamp, requestId, payload)
          if (this.#failed !== undefined) return // onFrame may have reset or failed us
          continue
        }
      }
      this.#slowFrame()
      if (this.#failed !== undefined || this.#slowWaiting) return
    }
  }

  /** One frame whose header or payload spans chunks; sets #slowWaiting when it is not complete yet. */
  #slowFrame(): void {
    this.#slowWaiting = false
    const first = this.#chunks[this.#first]!
    let h: Uint8Array
    let ho: number
    if (first.length - this.#head >= HEADER_SIZE) {
      h = first
      ho = this.#head
    } else {
      this.#copyOut(this.#header, HEADER_SIZE)
      h = this.#header
      ho = 0
    }
    const code = headerCode(h, ho)
    const size = readPayloadSize(h, ho)
    const total = HEADER_SIZE + size
    if (total > this.maxMessageSize) {
      this.#fail(new FrameTooLargeError(code, total, this.maxMessageSize))
      return
    }
    if (this.#buffered < total) {
      this.#slowWaiting = true
      return
    }
    const expected = headerChecksumI32(h, ho)
    const timestamp = headerTimestamp(h, ho)
    const requestId = headerRequestId(h, ho)

    this.#skip(HEADER_SIZE)
    let payload: Uint8Array
    if (size === 0) {
      payload = EMPTY
    } else {
      const c = this.#chunks[this.#first]!
      if (c.length - this.#head >= size) {
        // header in an earlier chunk, payload inside this one: still a view
        payload = new Uint8Array(c.buffer, c.byteOffset + this.#head, size)
      } else {
        payload = new Uint8Array(size)
        this.#copyOut(payload, size)
      }
      this.#skip(size)
    }
    this.#deliver(code, size, expected, size === 0 ? 0 : crc32I32(payload), timestamp, requestId, payload)
  }

  /** `expected` and `actual` are checksums as signed int32s (no heap number per frame); errors show u32s. */
  #deliver(
    code: number,
    size: number,
    expected: number,
    actual: number,
    timestamp: number,
    requestId: number,
    payload: Uint8Array,
  ): void {
    if (actual !== expected) {
      this.stats.checksumErrors++
      this.#report(new ChecksumMismatchError(code, size, expected >>> 0, actual >>> 0, requestId))
      return
    }
    if (this.#registry !== undefined && !this.#registry.has(code)) {
      this.stats.unknownTypes++
      this.#report(new UnknownMessageTypeError(code, size, requestId))
      return
    }
    this.stats.frames++
    this.stats.bytes += HEADER_SIZE + size
    this.#onFrame({ code, requestId, timestamp, payload })
  }

  /** Copies the next `n` buffered bytes into `target` without consuming them. */
  #copyOut(target: Uint8Array, n: number): void {
    let written = 0
    let offset = this.#head
    for (let i = this.#first; written < n; i++) {
      const c = this.#chunks[i]!
      const take = Math.min(c.length - offset, n - written)
      target.set(c.subarray(offset, offset + take), written)
      written += take
      offset = 0
    }
  }

  /** Consumes `n` buffered bytes, dropping chunks that are used up. */
  #skip(n: number): void {
    this.#buffered -= n
    while (n > 0) {
      const c = this.#chunks[this.#first]!
      const left = c.length - this.#head
      if (n < left) {
        this.#head += n
        return
      }
      n -= left
      if (c === this.#viewOf) {
        this.#viewOf = undefined
        this.#view = undefined
      }
      this.#chunks[this.#first++] = EMPTY // release the chunk
      this.#head = 0
    }
    if (this.#first === this.#chunks.length) {
      this.#chunks.length = 0
      this.#first = 0
    } else if (this.#first > 1024 && this.#first * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#first)
      this.#first = 0
    }
  }

  #report(error: CodecError): void {
    this.#onError?.(error)
  }

  #fail(error: CodecError): void {
    this.#failed = error
    this.#chunks = []
    this.#first = 0
    this.#head = 0
    this.#buffered = 0
    this.#view = undefined
    this.#viewOf = undefined
    if (this.#onError === undefined) throw error
    this.#onError(error)
  }
}
