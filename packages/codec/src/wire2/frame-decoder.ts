import { DEFAULT_MAX_MESSAGE_SIZE } from '../constants.js'
import { crc32I32, crc32Range, NATIVE_CRC32_THRESHOLD } from '../crc32.js'
import {
  ChecksumMismatchError,
  type CodecError,
  FrameTooLargeError,
  UnknownMessageTypeError,
} from '../errors.js'
import type { FrameDecoderStats } from '../frame-decoder.js'
import type { MessageTypeRegistry } from '../message-type.js'
import { WIRE2_HEADER_SIZE, WIRE2_MAGIC_0, WIRE2_MAGIC_1 } from './constants.js'
import { BadMagicError } from './errors.js'
import { checkWire2MaxMessageSize, i32, u16, u32, type Wire2Frame } from './frame.js'

/** Options of a `Wire2FrameDecoder` (as `FrameDecoderInit`, for 2.x frames). */
export interface Wire2FrameDecoderInit {
  /** Called with each complete, valid frame, in stream order. */
  onFrame: (frame: Wire2Frame) => void
  /**
   * Called with each decoding error. Non-fatal ones (`ChecksumMismatchError`, `UnknownMessageTypeError`) skip
   * that frame by its size; fatal ones (`BadMagicError`, `FrameTooLargeError`) stop the decoder, which then
   * refuses further input. Without it, non-fatal errors are only counted and a fatal one is thrown from `push`.
   */
  onError?: (error: CodecError) => void
  /** Limit on a frame's total length (15-byte header + payload); default 10 MiB (the reference's). */
  maxMessageSize?: number
  /** When given, frames whose code is not in it are reported (`UnknownMessageTypeError`) and skipped. */
  registry?: MessageTypeRegistry
}

const EMPTY = new Uint8Array(0)
const H = WIRE2_HEADER_SIZE

/**
 * Cuts a byte stream of the reference's 2.x / 3.x frames (15-byte header: "VX", flags, code, size, CRC-32,
 * u16 request id). Same guarantees as the 1.6.3 `FrameDecoder`: chunks are kept in a list, a payload inside
 * one chunk is a zero-copy view, the size field is checked against `maxMessageSize` as soon as a header is
 * complete (before any payload is buffered). Unlike the reference it never resyncs by scanning for "VX"
 * (which delivers frames smuggled inside payloads): a bad magic is fatal, a bad CRC or unknown code skips
 * exactly that frame by its declared size.
 */
export class Wire2FrameDecoder {
  readonly maxMessageSize: number
  readonly stats: FrameDecoderStats = { frames: 0, bytes: 0, checksumErrors: 0, unknownTypes: 0 }
  readonly #onFrame: (frame: Wire2Frame) => void
  readonly #onError: ((error: CodecError) => void) | undefined
  readonly #registry: MessageTypeRegistry | undefined
  #chunks: Uint8Array[] = []
  #first = 0
  #head = 0
  #buffered = 0
  #failed: CodecError | undefined
  #waiting = false
  readonly #header = new Uint8Array(H)
  #view: DataView | undefined
  #viewOf: Uint8Array | undefined

  constructor(init: Wire2FrameDecoderInit) {
    this.#onFrame = init.onFrame
    this.#onError = init.onError
    this.#registry = init.registry
    this.maxMessageSize = checkWire2MaxMessageSize(init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE)
  }

  /** Bytes received but not yet part of a complete frame. */
  get bufferedBytes(): number {
    return this.#buffered
  }

  /** The fatal error that stopped this decoder, if any. */
  get error(): CodecError | undefined {
    return this.#failed
  }

  /** Feeds a chunk; returns false (and ignores the chunk) once a fatal error has stopped the decoder. */
  push(chunk: Uint8Array): boolean {
    if (this.#failed !== undefined) return false
    if (chunk.length > 0) {
      this.#chunks.push(chunk)
      this.#buffered += chunk.length
    }
    this.#drain()
    return this.#failed === undefined
  }

  /** Drops everything buffered and clears a fatal error. */
  reset(): void {
    this.#clear()
    this.#failed = undefined
  }

  #drain(): void {
    const limit = this.maxMessageSize
    // A wrong first byte is known before a whole header: fail at once rather than wait for 15 bytes.
    while (this.#buffered > 0) {
      const c = this.#chunks[this.#first]!
      const h = this.#head
      if (c.length - h >= H) {
        if (c[h] !== WIRE2_MAGIC_0 || c[h + 1] !== WIRE2_MAGIC_1) {
          this.#fail(new BadMagicError(u16(c, h)))
          return
        }
        const size = u32(c, h + 5)
        const total = H + size
        if (total <= limit && c.length - h >= total) {
          const flags = c[h + 2]!
          const code = u16(c, h + 3)
          const expected = i32(c, h + 9)
          const requestId = u16(c, h + 13)
          const start = h + H
          let payload: Uint8Array
          let actual: number
          if (size === 0) {
            payload = EMPTY
            actual = 0
          } else {
            payload = new Uint8Array(c.buffer, c.byteOffset + start, size)
            if (size >= NATIVE_CRC32_THRESHOLD) actual = crc32I32(payload)
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
          this.#deliver(flags, code, size, expected, actual, requestId, payload)
          if (this.#failed !== undefined) return
          continue
        }
      }
      this.#slowFrame()
      if (this.#failed !== undefined || this.#waiting) return
    }
  }

  /** One frame whose header or payload spans chunks (or is incomplete); sets #waiting when it must wait. */
  #slowFrame(): void {
    this.#waiting = false
    const first = this.#chunks[this.#first]!
    // Check the magic with the bytes there are: one wrong byte is enough to know.
    const b0 = first[this.#head]!
    const b1 = this.#buffered >= 2 ? this.#byteAt(1) : WIRE2_MAGIC_1
    if (b0 !== WIRE2_MAGIC_0 || b1 !== WIRE2_MAGIC_1) {
      this.#fail(new BadMagicError(this.#buffered >= 2 ? (b0 << 8) | b1 : b0 << 8))
      return
    }
    if (this.#buffered < H) {
      this.#waiting = true
      return
    }
    let h: Uint8Array
    let ho: number
    if (first.length - this.#head >= H) {
      h = first
      ho = this.#head
    } else {
      this.#copyOut(this.#header, H)
      h = this.#header
      ho = 0
    }
    const code = u16(h, ho + 3)
    const size = u32(h, ho + 5)
    const total = H + size
    if (total > this.maxMessageSize) {
      this.#fail(new FrameTooLargeError(code, total, this.maxMessageSize, H))
      return
    }
    if (this.#buffered < total) {
      this.#waiting = true
      return
    }
    const flags = h[ho + 2]!
    const expected = i32(h, ho + 9)
    const requestId = u16(h, ho + 13)
    this.#skip(H)
    let payload: Uint8Array
    if (size === 0) payload = EMPTY
    else {
      const c = this.#chunks[this.#first]!
      if (c.length - this.#head >= size) payload = new Uint8Array(c.buffer, c.byteOffset + this.#head, size)
      else {
        payload = new Uint8Array(size)
        this.#copyOut(payload, size)
      }
      this.#skip(size)
    }
    this.#deliver(flags, code, size, expected, size === 0 ? 0 : crc32I32(payload), requestId, payload)
  }

  #deliver(
    flags: number,
    code: number,
    size: number,
    expected: number,
    actual: number,
    requestId: number,
    payload: Uint8Array,
  ): void {
    if (actual !== expected) {
      this.stats.checksumErrors++
      this.#onError?.(new ChecksumMismatchError(code, size, expected >>> 0, actual >>> 0, requestId))
      return
    }
    if (this.#registry !== undefined && !this.#registry.has(code)) {
      this.stats.unknownTypes++
      this.#onError?.(new UnknownMessageTypeError(code, size, requestId))
      return
    }
    this.stats.frames++
    this.stats.bytes += H + size
    this.#onFrame({ code, flags, requestId, timestamp: 0, payload })
  }

  /** The buffered byte at `index` from the head (index < #buffered). */
  #byteAt(index: number): number {
    let offset = this.#head + index
    for (let i = this.#first; ; i++) {
      const c = this.#chunks[i]!
      if (offset < c.length) return c[offset]!
      offset -= c.length
    }
  }

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
      this.#chunks[this.#first++] = EMPTY
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

  #clear(): void {
    this.#chunks = []
    this.#first = 0
    this.#head = 0
    this.#buffered = 0
    this.#view = undefined
    this.#viewOf = undefined
    this.#waiting = false
  }

  #fail(error: CodecError): void {
    this.#failed = error
    this.#clear()
    if (this.#onError === undefined) throw error
    this.#onError(error)
  }
}
