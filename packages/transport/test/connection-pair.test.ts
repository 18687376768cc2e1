import { encodeFrame, FrameTooLargeError, MessageType, MessageTypeRegistry } from '@veltix/codec'
import { describe, expect, it } from 'vitest'
import { createConnectionPair, OverflowError } from '../src/index.js'
import { Recorder, tick, waitFor } from './helpers.js'

describe('createConnectionPair', () => {
  it('delivers frames in order, on a later microtask, both ways', async () => {
    const [a, b] = createConnectionPair()
    const ra = new Recorder(a).attach()
    const rb = new Recorder(b).attach()
    for (let i = 0; i < 100; i++) expect(a.send(200, i, Buffer.from(`m${i}`), 5)).toBe('ok')
    b.send(201, 1, Buffer.from('back'))
    expect(rb.frames.length).toBe(0)
    await tick()
    expect(rb.frames.map((f) => f.requestId)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(Buffer.from(rb.frames[99]!.payload).toString()).toBe('m99')
    expect(rb.frames[0]!.timestamp).toBe(5)
    expect(ra.frames[0]!.code).toBe(201)
    expect(a.stats.framesOut).toBe(100)
    expect(b.stats.framesIn).toBe(100)
  })

  it('does not read before setHandler; the unread bytes count as buffered', async () => {
    const [a, b] = createConnectionPair()
    new Recorder(a).attach()
    a.send(200, 1, Buffer.from('early'))
    await tick()
    expect(a.bufferedAmount).toBe(22 + 5)
    const rb = new Recorder(b).attach()
    await tick()
    expect(rb.frames.length).toBe(1)
    expect(a.bufferedAmount).toBe(0)
  })

  it('close(): local here, remote-end there, exactly once; send after close is closed', async () => {
    const [a, b] = createConnectionPair()
    const ra = new Recorder(a).attach()
    const rb = new Recorder(b).attach()
    a.send(200, 1, Buffer.from('last'))
    await a.close()
    expect(a.send(200, 2, Buffer.alloc(0))).toBe('closed')
    await rb.closed
    expect(rb.frames.length).toBe(1)
    expect(ra.closes).toEqual([{ reason: 'local' }])
    expect(rb.closes).toEqual([{ reason: 'remote-end' }])
    expect(b.send(200, 3, Buffer.alloc(0))).toBe('closed')
    await a.close()
    a.destroy()
    await tick()
    expect(ra.closes.length).toBe(1)
  })

  it('close reaches a peer that has no handler yet: frames then close on setHandler', async () => {
    const [a, b] = createConnectionPair()
    new Recorder(a).attach()
    a.send(200, 1, Buffer.from('x'))
    await a.close()
    await tick()
    const rb = new Recorder(b).attach()
    const info = await rb.closed
    expect(info.reason).toBe('remote-end')
    expect(rb.frames.length).toBe(1)
  })

  it('destroy(): reset on the peer', async () => {
    const [a, b] = createConnectionPair()
    const ra = new Recorder(a).attach()
    const rb = new Recorder(b).attach()
    const err = new Error('boom')
    a.destroy(err)
    expect((await ra.closed).error).toBe(err)
    expect((await rb.closed).reason).toBe('reset')
  })

  it('backpressure, drain and the hard cap apply to unread frames', async () => {
    const [a, b] = createConnectionPair({ highWaterMark: 1000, maxQueuedBytes: 2000 })
    const ra = new Recorder(a).attach()
    const payload = Buffer.alloc(478) // 500-byte frames
    expect(a.send(200, 1, payload)).toBe('ok')
    expect(a.send(200, 2, payload)).toBe('ok')
    expect(a.send(200, 3, payload)).toBe('backpressure')
    expect(a.send(200, 4, payload)).toBe('backpressure')
    expect(a.send(200, 5, payload)).toBe('overflow')
    expect(a.stats.overflowRejected).toBe(1)
    const rb = new Recorder(b).attach()
    await waitFor(() => ra.drains === 1)
    expect(rb.frames.map((f) => f.requestId)).toEqual([1, 2, 3, 4])
  })

  it("overflowPolicy 'close' closes the connection with reason overflow", async () => {
    const [a] = createConnectionPair({ highWaterMark: 100, maxQueuedBytes: 100, overflowPolicy: 'close' })
    const ra = new Recorder(a).attach()
    expect(a.send(200, 1, Buffer.alloc(200))).toBe('overflow')
    const info = await ra.closed
    expect(info.reason).toBe('overflow')
    expect(info.error).toBeInstanceOf(OverflowError)
  })

  it('decoding errors: bad CRC and unknown code are reported and dropped; oversized is fatal', async () => {
    const registry = new MessageTypeRegistry()
    registry.register(new MessageType(200, 'ok'))
    const [a, b] = createConnectionPair({ registry, maxMessageSize: 100 })
    new Recorder(a).attach()
    const rb = new Recorder(b).attach()
    const bad = encodeFrame({ code: 200, requestId: 1, payload: Buffer.from('abc') })
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1
    a.sendEncoded(bad)
    a.send(300, 2, Buffer.alloc(0))
    a.send(200, 3, Buffer.alloc(0))
    await tick()
    expect(rb.frames.map((f) => f.requestId)).toEqual([3])
    expect(rb.errors.map((e) => e.name)).toEqual(['ChecksumMismatchError', 'UnknownMessageTypeError'])
    const huge = Buffer.alloc(22)
    huge.writeUInt16BE(200, 0)
    huge.writeUInt32BE(1000, 2)
    a.sendEncoded(huge)
    const info = await rb.closed
    expect(info.reason).toBe('protocol-error')
    expect(info.error).toBeInstanceOf(FrameTooLargeError)
    const [c] = createConnectionPair({ maxMessageSize: 100 })
    expect(() => c.send(200, 1, Buffer.alloc(200))).toThrow(FrameTooLargeError)
    expect(c.send(200, 1, Buffer.alloc(10))).toBe('ok')
  })
})
