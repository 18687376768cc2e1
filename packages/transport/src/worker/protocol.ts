/**
 * Wire format of the batches between the main thread and a worker of the worker core. One postMessage per
 * batch, its ArrayBuffer transferred (not copied). Records are packed back to back; numbers big-endian.
 */

/** Main → worker. */
export const TO_WORKER_DATA = 1 // [type u8][key u32][len u32][bytes]            raw inbound socket bytes
export const TO_WORKER_FRAME = 2 // [type u8][key u32][code u16][rid u32][ts f64][len u32][payload]  to encode
export const TO_WORKER_RAW = 3 // [type u8][key u32][len u32][bytes]             already-encoded frames (order)
export const TO_WORKER_SYNC = 4 // [type u8][key u32]                             acknowledge this key's bytes now

/** Worker → main. */
export const TO_MAIN_FRAME = 1 // [type u8][key u32][code u16][rid u32][ts f64][len u32][payload]  decoded, CRC ok
export const TO_MAIN_ERROR = 2 // [type u8][key u32][kind u8][code u16][size u32][expected u32][actual u32][rid u32][limit f64]
export const TO_MAIN_ACK = 3 // [type u8][key u32][bytes u32][boundary u8]       inbound bytes consumed; 1 = no partial frame held
export const TO_MAIN_ENCODED = 4 // [type u8][key u32][len u32][bytes]            encoded frames, ready to write

export const ERROR_CHECKSUM = 1
export const ERROR_TOO_LARGE = 2

export const FRAME_RECORD_HEADER = 1 + 4 + 2 + 4 + 8 + 4
export const BYTES_RECORD_HEADER = 1 + 4 + 4
export const ERROR_RECORD_SIZE = 1 + 4 + 1 + 2 + 4 + 4 + 4 + 4 + 8
export const ACK_RECORD_SIZE = 1 + 4 + 4 + 1
export const SYNC_RECORD_SIZE = 1 + 4

/** A batch message. `opens` / `closes` (connection keys) are applied before the records. */
export interface BatchMessage {
  buf: ArrayBuffer | undefined
  len: number
  opens?: Array<{ key: number; maxMessageSize: number }>
  closes?: number[]
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
