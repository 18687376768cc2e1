/**
 * Worker thread of the worker core: computes the CRC-32 of large inbound payloads the main thread has
 * assembled, copies each good one into a fresh buffer for the application (and hands the scratch buffers
 * back), and encodes (header + CRC) large outbound frames. One message in,
 * one message out.
 */
import { parentPort } from 'node:worker_threads'
import { crc32, HEADER_SIZE, writeFrame } from '@veltix/codec'
import {
  type BatchMessage,
  BatchWriter,
  BYTES_RECORD_HEADER,
  FRAME_RECORD_HEADER,
  TO_MAIN_ENCODED,
  TO_WORKER_FRAME,
  TO_WORKER_RAW,
} from './protocol.js'

const port = parentPort
if (port === null) throw new Error('@veltix/transport worker: must run as a worker thread')

const out = new BatchWriter(64 * 1024)
// The ENCODED record being extended while consecutive frames go to the same connection.
let encKey = -1
let encHeaderAt = -1

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
  const reply: BatchMessage = { buf: undefined, len: 0 }
  const transfer: ArrayBuffer[] = []
  const checks = m.checks
  if (checks !== undefined) {
    const sizes = m.checkSizes!
    const expected = m.expected!
    const crcs = new Array<number>(checks.length)
    const payloads = new Array<ArrayBuffer | undefined>(checks.length)
    for (let i = 0; i < checks.length; i++) {
      const payload = new Uint8Array(checks[i]!, 0, sizes[i]!)
      const crc = crc32(payload)
      crcs[i] = crc
      if (crc !== expected[i]) continue // dropped by the main thread: no copy
      // The buffer the application gets: fresh (the scratch one goes back to be reused).
      const copy = Buffer.allocUnsafeSlow(payload.length)
      copy.set(payload)
      payloads[i] = copy.buffer as ArrayBuffer
      transfer.push(copy.buffer as ArrayBuffer)
    }
    reply.checkKeys = m.checkKeys
    reply.checks = checks
    reply.crcs = crcs
    reply.payloads = payloads
    for (const c of checks) transfer.push(c)
  }
  if (m.buf !== undefined) {
    const b = Buffer.from(m.buf, 0, m.len)
    let i = 0
    while (i < m.len) {
      const type = b[i]!
      const key = b.readUInt32BE(i + 1)
      if (type === TO_WORKER_FRAME) {
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
        if (type === TO_WORKER_RAW) {
          const at = encodedSpace(key, n)
          out.buf.set(b.subarray(start, start + n), at)
        }
        i = start + n
      }
    }
    encKey = -1
    if (out.len > 0) {
      const batch = out.take()
      reply.buf = batch.buf
      reply.len = batch.len
      transfer.push(batch.buf)
    }
  }
  if (reply.buf !== undefined || reply.checks !== undefined) port.postMessage(reply, transfer)
})
