/**
 * Messages between the main thread and a worker of the worker core. One postMessage per batch, every
 * ArrayBuffer in it transferred (not copied).
 *
 * - Inbound: the main thread assembles each large frame's payload in a scratch buffer (reused: its pages are
 *   already mapped, so the copy runs at memcpy speed) and sends it (`checks`, the payload lengths in
 *   `checkSizes`, connection keys in `checkKeys`); the worker answers with each CRC-32 (`crcs`), a fresh copy of
 *   each payload whose CRC matched (`payloads`: the buffer the application gets; a fresh buffer costs page
 *   faults, paid there rather than on the main thread) and the scratch buffers back (`checks`), in the same
 *   order. One message per frame (or per batch of frames), never per socket chunk.
 * - Outbound: frames to encode are packed in `buf` (records below); the worker answers with the encoded bytes.
 */

/** Main → worker records in `buf`. */
export const TO_WORKER_FRAME = 2 // [type u8][key u32][code u16][rid u32][ts f64][len u32][payload]  to encode
export const TO_WORKER_RAW = 3 // [type u8][key u32][len u32][bytes]             already-encoded frames (order)

/** Worker → main records in `buf`. */
export const TO_MAIN_ENCODED = 4 // [type u8][key u32][len u32][bytes]            encoded frames, ready to write

export const FRAME_RECORD_HEADER = 1 + 4 + 2 + 4 + 8 + 4
export const BYTES_RECORD_HEADER = 1 + 4 + 4

/** A batch message. */
export interface BatchMessage {
  buf: ArrayBuffer | undefined
  len: number
  /** Connection key of each entry of `checks`. */
  checkKeys?: number[]
  /** Scratch buffers holding the payloads of large inbound frames, for their CRC-32 (handed back). */
  checks?: ArrayBuffer[]
  /** Payload length in each entry of `checks` (from its start). */
  checkSizes?: number[]
  /** Answer: the CRC-32 of each payload. */
  crcs?: number[]
  /** Answer: a copy of each payload whose CRC matched the header's (`expected`), else undefined. */
  payloads?: Array<ArrayBuffer | undefined>
  /** CRC-32 each payload's header declares (a payload that does not match is not copied back). */
  expected?: number[]
}

const MAX_BATCH_HINT = 2 * 1024 * 1024

/** A growable byte buffer whose ArrayBuffer is handed over (transferred) whole when posted. */
export class BatchWriter {
  buf: Buffer
  len = 0
  #hint: number

  constructor(initial: number) {
    this.#hint = initial
    this.buf = Buffer.allocUnsafeSlow(initial)
  }

  /** Makes room for `n` more bytes; returns the write offset. */
  reserve(n: number): number {
    if (this.buf.length - this.len < n) {
      const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.len + n))
      this.buf.copy(next, 0, 0, this.len)
      this.buf = next
    }
    return this.len
  }

  /** Takes the bytes written so far (to transfer) and starts a fresh buffer. */
  take(): { buf: ArrayBuffer; len: number } {
    const out = { buf: this.buf.buffer as ArrayBuffer, len: this.len }
    // The next batch starts at the size this one needed (bounded), so that a stream of large frames does not
    // grow (and copy) every batch from a small buffer again.
    this.#hint = Math.min(MAX_BATCH_HINT, Math.max(4096, 2 ** Math.ceil(Math.log2(this.len + 1))))
    this.buf = Buffer.allocUnsafeSlow(this.#hint)
    this.len = 0
    return out
  }
}
