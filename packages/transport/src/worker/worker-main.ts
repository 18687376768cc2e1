/**
 * Worker thread of the worker core: cuts each connection's inbound bytes into CRC-checked frames and
 * encodes (header + CRC) outbound frames, in batches. One message in, one message out.
 */
import { parentPort } from 'node:worker_threads'
import {
  type CodecError,
  type Frame,
  FrameDecoder,
  FrameTooLargeError,
  HEADER_SIZE,
  writeFrame,
} from '@veltix/codec'
import { WORKER_MAX_INFLIGHT_IN } from '../constants.js'
import {
  ACK_RECORD_SIZE,
  type BatchMessage,
  BatchWriter,
  BYTES_RECORD_HEADER,
  ERROR_CHECKSUM,
  ERROR_RECORD_SIZE,
  ERROR_TOO_LARGE,
  FRAME_RECORD_HEADER,
  SYNC_RECORD_SIZE,
  TO_MAIN_ACK,
  TO_MAIN_ENCODED,
  TO_MAIN_ERROR,
  TO_MAIN_FRAME,
  TO_WORKER_DATA,
  TO_WORKER_FRAME,
  TO_WORKER_RAW,
  TO_WORKER_SYNC,
} from './protocol.js'

const port = parentPort
if (port === null) throw new Error('@veltix/transport worker: must run as a worker thread')

const out = new BatchWriter(64 * 1024)
const acks = new Map<number, number>()
const syncs = new Set<number>()
// Acknowledge at least this often mid-frame: far below the main thread's read pause (WORKER_MAX_INFLIGHT_IN).
const ACK_EVERY = WORKER_MAX_INFLIGHT_IN / 4
// The ENCODED record being extended while consecutive frames go to the same connection.
let encKey = -1
let encHeaderAt = -1

// Memory per idle connection: an open connection is just its maxMessageSize here. Its input goes through a
// decoder shared by every connection at a frame boundary; only one whose last chunk ended inside a frame
// has a decoder of its own, until its input is back at a boundary. All decoders report to `cur`, the
// connection whose bytes are being pushed (one push at a time: the callbacks only write to `out`).
const open = new Map<number, number>()
const own = new Map<number, FrameDecoder>()
const shared = new Map<number, FrameDecoder>()
let cur = 0

const onFrame = (f: Frame): void => {
  encKey = -1
  const n = f.payload.length
  let o = out.reserve(FRAME_RECORD_HEADER + n)
  const b = out.buf
  b[o++] = TO_MAIN_FRAME
  o = b.writeUInt32BE(cur, o)
  o = b.writeUInt16BE(f.code, o)
  o = b.writeUInt32BE(f.requestId, o)
  o = b.writeDoubleBE(f.timestamp, o)
  o = b.writeUInt32BE(n, o)
  b.set(f.payload, o)
  out.len = o + n
}

const onError = (e: CodecError): void => {
  encKey = -1
  let o = out.reserve(ERROR_RECORD_SIZE)
  const b = out.buf
  const err = e as CodecError & Record<string, number>
  const tooLarge = e instanceof FrameTooLargeError
  b[o++] = TO_MAIN_ERROR
  o = b.writeUInt32BE(cur, o)
  b[o++] = tooLarge ? ERROR_TOO_LARGE : ERROR_CHECKSUM
  o = b.writeUInt16BE(err.code ?? 0, o)
  o = b.writeUInt32BE(tooLarge ? err.frameSize! : err.size!, o)
  o = b.writeUInt32BE(tooLarge ? 0 : err.expected!, o)
  o = b.writeUInt32BE(tooLarge ? 0 : err.actual!, o)
  o = b.writeUInt32BE(tooLarge ? 0 : err.requestId!, o)
  o = b.writeDoubleBE(tooLarge ? err.limit! : 0, o)
  out.len = o
}

const newDecoder = (maxMessageSize: number): FrameDecoder =>
  new FrameDecoder({ maxMessageSize, onFrame, onError })

/** Cuts `bytes` of connection `key` into frames / errors written to `out`. */
function ingest(key: number, bytes: Uint8Array): void {
  const max = open.get(key)
  if (max === undefined) return // closed, or stopped by a fatal error
  cur = key
  let d = own.get(key)
  if (d === undefined) {
    let s = shared.get(max)
    if (s === undefined) {
      s = newDecoder(max)
      shared.set(max, s)
    }
    s.push(bytes)
    if (s.error !== undefined) {
      s.reset()
      open.delete(key) // like a failed decoder: refuse the rest of this stream
      return
    }
    const rest = s.bufferedBytes
    if (rest === 0) return
    // The chunk ended inside a frame (the shared decoder started it empty): its tail goes to an own decoder.
    s.reset()
    d = newDecoder(max)
    own.set(key, d)
    bytes = bytes.subarray(bytes.length - rest)
  }
  d.push(bytes)
  if (d.error === undefined && d.bufferedBytes === 0) own.delete(key)
}

/** Starts (or extends) the ENCODED record of `key`; returns the offset where `n` more bytes go. */
function encodedSpace(key: number, n: number): number {
  if (encKey !== key) {
    const o = out.reserve(BYTES_RECORD_HEADER + n)
    out.buf[o] = TO_MAIN_ENCODED
    out.buf.writeUInt32BE(key, o + 1)
    out.buf.writeUInt32BE(0, o + 5)
    encKey = key
    encHeaderAt = o
    out.len = o + BYTES_RECORD_HEADER
  }
  const at = out.reserve(n)
  out.buf.writeUInt32BE(out.buf.readUInt32BE(encHeaderAt + 5) + n, encHeaderAt + 5)
  out.len = at + n
  return at
}

port.on('message', (m: BatchMessage) => {
  if (m.opens) for (const o of m.opens) open.set(o.key, o.maxMessageSize)
  if (m.closes)
    for (const k of m.closes) {
      open.delete(k)
      own.delete(k)
      acks.delete(k)
    }
  if (m.buf !== undefined) {
    const b = Buffer.from(m.buf, 0, m.len)
    let i = 0
    while (i < m.len) {
      const type = b[i]!
      const key = b.readUInt32BE(i + 1)
      if (type === TO_WORKER_SYNC) {
        syncs.add(key)
        i += SYNC_RECORD_SIZE
      } else if (type === TO_WORKER_FRAME) {
        const code = b.readUInt16BE(i + 5)
        const rid = b.readUInt32BE(i + 7)
        const ts = b.readDoubleBE(i + 11)
        const n = b.readUInt32BE(i + 19)
        const start = i + FRAME_RECORD_HEADER
        // Validated on the main thread already: writeFrame cannot throw here.
        const at = encodedSpace(key, HEADER_SIZE + n)
        writeFrame(out.buf, at, code, rid, b.subarray(start, start + n), ts)
        i = start + n
      } else {
        const n = b.readUInt32BE(i + 5)
        const start = i + BYTES_RECORD_HEADER
        const bytes = b.subarray(start, start + n)
        if (type === TO_WORKER_RAW) {
          const at = encodedSpace(key, n)
          out.buf.set(bytes, at)
        } else if (type === TO_WORKER_DATA) {
          ingest(key, bytes)
          acks.set(key, (acks.get(key) ?? 0) + n)
        }
        i = start + n
      }
    }
  }
  for (const [key, n] of acks) {
    // Mid-frame, acknowledgements wait (one message back per frame, not per chunk) unless they add up,
    // the main thread asks (its socket closed), or the stream stopped here.
    if (own.has(key) && n < ACK_EVERY && !syncs.has(key) && open.has(key)) continue
    acks.delete(key)
    let o = out.reserve(ACK_RECORD_SIZE)
    out.buf[o++] = TO_MAIN_ACK
    o = out.buf.writeUInt32BE(key, o)
    o = out.buf.writeUInt32BE(n, o)
    out.buf[o++] = own.has(key) ? 0 : 1
    out.len = o
  }
  syncs.clear()
  encKey = -1
  if (out.len > 0) {
    const batch = out.take()
    port.postMessage({ buf: batch.buf, len: batch.len } satisfies BatchMessage, [batch.buf])
  }
})
