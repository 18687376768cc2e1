/**
 * Messages between the main thread and a worker of the worker core: the main thread assembles each large
 * inbound frame's payload in a buffer of its own and hands it over (transferred, not copied) for its CRC-32;
 * the worker answers with the CRCs and hands the buffers back, in the same order. Every payload completed in
 * one turn of the main thread's event loop travels in one message (never one per socket chunk).
 */
export interface CheckRequest {
  /** Connection key of each payload. */
  keys: number[]
  /** The payloads (each buffer holds exactly one payload). */
  payloads: ArrayBuffer[]
}

export interface CheckAnswer extends CheckRequest {
  /** CRC-32 of each payload. */
  crcs: number[]
}
