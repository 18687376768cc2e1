import type * as net from 'node:net'
import { ChecksumMismatchError, encodeFrame, FrameTooLargeError } from '@veltix/codec'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WORKER_OFFLOAD_BYTES } from '../src/constants.js'
import {
  createServerTransport,
  type ServerTransport,
  type ServerTransportInit,
  SocketCore,
} from '../src/index.js'
import { WorkerLink } from '../src/worker/worker-pool.js'
import { activeResources, Recorder, rawConnect, tick, waitFor } from './helpers.js'

/**
 * The worker core's inbound path for large frames: assembled on the main thread, CRC-checked in a worker,
 * delivered in order with what follows. Hand-made bytes from a raw socket, written in small pieces so that
 * frames span many socket chunks.
 */
describe('worker core: large inbound frames', () => {
  const servers: ServerTransport[] = []
  const raws: net.Socket[] = []

  afterEach(async () => {
    vi.restoreAllMocks()
    for (const r of raws.splice(0)) r.destroy()
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })

  async function start(init: Partial<ServerTransportInit> = {}) {
    const server = createServerTransport({
      host: '127.0.0.1',
      port: 0,
      core: SocketCore.WORKER,
      maxWorkers: 1,
      ...init,
    })
    servers.push(server)
    const accepted: Recorder[] = []
    server.onConnection((conn) => accepted.push(new Recorder(conn).attach()))
    const { port } = await server.listen()
    const raw = await rawConnect(port)
    raw.setNoDelay(true)
    raws.push(raw)
    await waitFor(() => accepted.length === 1, 10_000, 'accept')
    return { server, raw, rec: accepted[0]! }
  }

  const payload = (n: number, seed: number): Buffer => {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = (i * 13 + seed) & 0xff
    return b
  }

  /** Writes `bytes` in pieces of `piece` bytes, yielding between them (so they arrive as many chunks). */
  async function writeInPieces(raw: net.Socket, bytes: Buffer, piece: number): Promise<void> {
    for (let o = 0; o < bytes.length; o += piece) {
      raw.write(bytes.subarray(o, o + piece))
      if ((o / piece) % 8 === 7) await tick()
    }
  }

  it('a large frame split over many chunks, with small and large frames behind it: all intact, in order', async () => {
    const checks = vi.spyOn(WorkerLink.prototype, 'check')
    const { raw, rec } = await start()
    const sizes = [300_000, 5, 0, 64, WORKER_OFFLOAD_BYTES - 22, 70_000, 1, 1_000_000, 17, 2_000]
    const payloads = sizes.map((n, k) => payload(n, k))
    const wire = Buffer.concat(
      payloads.map((p, k) => encodeFrame({ code: 200 + k, requestId: k, payload: p })),
    )
    await writeInPieces(raw, wire, 7_001)
    await waitFor(() => rec.frames.length === sizes.length, 20_000, 'frames')
    rec.frames.forEach((f, k) => {
      expect(f.requestId).toBe(k)
      expect(f.code).toBe(200 + k)
      expect(Buffer.compare(Buffer.from(f.payload), payloads[k]!), `frame ${k}`).toBe(0)
    })
    expect(rec.errors).toHaveLength(0)
    // Exactly the frames of WORKER_OFFLOAD_BYTES or more (header included) went to the worker.
    expect(checks).toHaveBeenCalledTimes(sizes.filter((n) => n + 22 >= WORKER_OFFLOAD_BYTES).length)
    expect(rec.conn.stats.framesIn).toBe(sizes.length)
  })

  it('small frames stay on the main thread (nothing sent to a worker)', async () => {
    const checks = vi.spyOn(WorkerLink.prototype, 'check')
    const { raw, rec } = await start()
    const frames = Array.from({ length: 500 }, (_, k) =>
      encodeFrame({ code: 200, requestId: k, payload: payload(k % 3000, k) }),
    )
    await writeInPieces(raw, Buffer.concat(frames), 1_000)
    await waitFor(() => rec.frames.length === 500, 20_000, 'frames')
    expect(rec.frames.map((f) => f.requestId)).toEqual(frames.map((_, k) => k))
    expect(checks).not.toHaveBeenCalled()
  })

  it('a corrupted large frame: ChecksumMismatchError, dropped, the connection and the next frames unaffected', async () => {
    const { raw, rec } = await start()
    const good1 = encodeFrame({ code: 200, requestId: 1, payload: payload(200_000, 1) })
    const bad = encodeFrame({ code: 201, requestId: 2, payload: payload(150_000, 2) })
    bad[22 + 77_777] = bad[22 + 77_777]! ^ 0x40
    const good2 = encodeFrame({ code: 202, requestId: 3, payload: payload(10, 3) })
    const good3 = encodeFrame({ code: 203, requestId: 4, payload: payload(90_000, 4) })
    await writeInPieces(raw, Buffer.concat([good1, bad, good2, good3]), 16_384)
    await waitFor(() => rec.frames.length === 3, 20_000, 'frames')
    expect(rec.frames.map((f) => f.requestId)).toEqual([1, 3, 4])
    expect(rec.errors).toHaveLength(1)
    const e = rec.errors[0]!
    expect(e).toBeInstanceOf(ChecksumMismatchError)
    expect(e.name).toBe('ChecksumMismatchError')
    expect((e as ChecksumMismatchError).messageCode).toBe(201)
    expect((e as ChecksumMismatchError).size).toBe(150_000)
    expect((e as ChecksumMismatchError).requestId).toBe(2)
    expect(rec.conn.stats.checksumErrors).toBe(1)
    expect(rec.conn.closed).toBe(false)
    // Still usable: more frames after the bad one.
    raw.write(encodeFrame({ code: 204, requestId: 5, payload: payload(100_000, 5) }))
    await waitFor(() => rec.frames.length === 4, 20_000, 'frame after')
    expect(rec.frames[3]!.requestId).toBe(5)
  })

  it('an oversized size field behind a large frame: the frames before it delivered, then FrameTooLargeError and protocol-error', async () => {
    const { raw, rec } = await start({ maxMessageSize: 1024 * 1024 })
    const big = encodeFrame({ code: 200, requestId: 1, payload: payload(500_000, 1) })
    const small = encodeFrame({ code: 201, requestId: 2, payload: payload(3, 2) })
    const header = Buffer.alloc(22)
    header.writeUInt16BE(202, 0)
    header.writeUInt32BE(2 * 1024 * 1024, 2) // over maxMessageSize: fatal from the header alone
    await writeInPieces(raw, Buffer.concat([big, small, header, Buffer.alloc(1000)]), 8_192)
    const info = await rec.closed
    expect(info.reason).toBe('protocol-error')
    expect(info.error).toBeInstanceOf(FrameTooLargeError)
    expect(rec.frames.map((f) => f.requestId)).toEqual([1, 2])
    expect(rec.errors.map((e) => e.name)).toEqual(['FrameTooLargeError'])
    expect((rec.errors[0] as FrameTooLargeError).frameSize).toBe(22 + 2 * 1024 * 1024)
  })

  it('a peer that ends right after large frames: every frame delivered before the close', async () => {
    const { raw, rec } = await start()
    const frames = [400_000, 10, 300_000, 20].map((n, k) =>
      encodeFrame({ code: 200, requestId: k, payload: payload(n, k) }),
    )
    raw.end(Buffer.concat(frames))
    const info = await rec.closed
    expect(info.reason).toBe('remote-end')
    expect(rec.frames.map((f) => f.requestId)).toEqual([0, 1, 2, 3])
    await tick()
    expect(rec.closes).toHaveLength(1)
  })

  it('server close while large frames are in the worker: closes once, leaves no thread, port or timer', async () => {
    const before = activeResources()
    const { server, raw, rec } = await start()
    const frame = encodeFrame({ code: 200, requestId: 1, payload: payload(1024 * 1024, 9) })
    raw.on('error', () => {})
    // Keep the server busy with large frames; close it on the first one delivered, while the next ones are
    // being assembled or checked.
    let closing: Promise<void> | undefined
    rec.onFrame = () => {
      closing ??= server.close()
    }
    for (let i = 0; i < 12; i++) raw.write(frame)
    const info = await rec.closed
    servers.splice(servers.indexOf(server), 1)
    await closing
    expect(info.reason).toBe('server-closed')
    expect(rec.closes).toHaveLength(1)
    expect(rec.frames.length).toBeGreaterThanOrEqual(1)
    raw.destroy()
    await tick()
    await tick()
    const after = activeResources()
    for (const type of ['TCPServerWrap', 'Timeout', 'Immediate', 'Worker', 'MessagePort']) {
      expect(after.get(type) ?? 0, type).toBeLessThanOrEqual(before.get(type) ?? 0)
    }
  })
})
