/**
 * Worker thread of the worker core: computes the CRC-32 of large inbound payloads the main thread has
 * assembled, and hands the buffers back with the results. One message in, one message out.
 */
import { parentPort } from 'node:worker_threads'
import { crc32 } from '@veltix/codec'
import type { CheckAnswer, CheckRequest } from './protocol.js'

const port = parentPort
if (port === null) throw new Error('@veltix/transport worker: must run as a worker thread')

port.on('message', (m: CheckRequest) => {
  const payloads = m.payloads
  const crcs = new Array<number>(payloads.length)
  for (let i = 0; i < payloads.length; i++) crcs[i] = crc32(new Uint8Array(payloads[i]!))
  port.postMessage({ keys: m.keys, payloads, crcs } satisfies CheckAnswer, payloads)
})
