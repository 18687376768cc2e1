import { encodeFrame, FrameTooLargeError, MessageType, MessageTypeRegistry, writeFrame } from '@veltix/codec'
import { afterEach, describe, expect, it as vitestIt } from 'vitest'
import { type Connection, OverflowError, type TransportInit } from '../../src/index.js'
import { Recorder, tick, waitFor } from '../helpers.js'

/** The options every `Connection` implementation takes (applied to both ends by the factory). */
export type ConnectionOptions = Pick<
  TransportInit,
  'maxMessageSize' | 'registry' | 'highWaterMark' | 'maxQueuedBytes' | 'overflowPolicy'
>

/** Two connected connections from the implementation under test, and how to free what they needed. */
export interface OpenedPair {
  /** One end (for TCP: the client). Neither end has a handler yet. */
  a: Connection
  /** The other end (for TCP: the connection the server accepted). */
  b: Connection
  /** Frees what the pair needed beyond the two connections (a server, threads…); called after each test. */
  dispose?: () => Promise<void>
}

/** What an implementation under test provides: a factory of connected pairs. */
export interface ConnectionFactory {
  name: string
  open(options?: ConnectionOptions): Promise<OpenedPair>
  /**
   * What the peer reports after `destroy()` on this side: TCP may see a FIN (`remote-end`) or a reset; the
   * in-memory pair reports `reset`. Default: either.
   */
  destroyedPeerReasons?: readonly string[]
  /** Tests that cannot apply to this implementation, by name, each with why (reported as skipped). */
  notApplicable?: Readonly<Record<string, string>>
}

/**
 * The behaviour every `Connection` implementation must have, written once and run against each one (loop
 * core, worker core, both over TLS, the in-memory pair): pass a factory of connected pairs. See the package
 * README ("Testing a new Connection implementation"). Bounded counts; everything is closed after each test.
 */
export function connectionCompliance(impl: ConnectionFactory): void {
  const it = (name: string, fn: () => Promise<void>): void => {
    const why = impl.notApplicable?.[name]
    if (why === undefined) vitestIt(name, fn)
    else vitestIt.skip(`${name} — not applicable: ${why}`, fn)
  }
  describe(`connection compliance: ${impl.name}`, () => {
    const opened: OpenedPair[] = []

    afterEach(async () => {
      for (const p of opened.splice(0)) {
        p.a.destroy()
        p.b.destroy()
        await p.dispose?.()
      }
    })

    async function open(options?: ConnectionOptions): Promise<OpenedPair> {
      const p = await impl.open(options)
      opened.push(p)
      return p
    }

    const echo = (conn: Connection): Recorder => {
      const rec = new Recorder(conn)
      rec.onFrame = (f) => conn.send(f.code, f.requestId, f.payload, f.timestamp)
      return rec.attach()
    }

    it('delivers frames in order, intact, both ways; counts them', async () => {
      const { a, b } = await open()
      echo(b)
      const rec = new Recorder(a).attach()
      const N = 2000
      for (let i = 0; i < N; i++) {
        const r = a.send(200 + (i % 50), i, Buffer.from(`frame ${i}`), 1_700_000_000_000 + i)
        expect(r === 'ok' || r === 'backpressure').toBe(true)
      }
      await waitFor(() => rec.frames.length === N, 20_000, 'echoes')
      rec.frames.forEach((f, i) => {
        expect(f.requestId).toBe(i)
        expect(f.code).toBe(200 + (i % 50))
        expect(f.timestamp).toBe(1_700_000_000_000 + i)
        expect(Buffer.from(f.payload).toString()).toBe(`frame ${i}`)
      })
      const bytes = rec.frames.reduce((s, f) => s + 22 + f.payload.length, 0)
      expect(a.stats).toMatchObject({ framesIn: N, framesOut: N, bytesIn: bytes, bytesOut: bytes })
      expect(b.stats).toMatchObject({ framesIn: N, framesOut: N, bytesIn: bytes, bytesOut: bytes })
    })

    it('stamps frames sent without a timestamp with the current time', async () => {
      const { a, b } = await open()
      const rb = new Recorder(b).attach()
      const before = Date.now()
      a.send(200, 1, Buffer.from('now'))
      await waitFor(() => rb.frames.length === 1)
      expect(rb.frames[0]!.timestamp).toBeGreaterThanOrEqual(before - 1)
      expect(rb.frames[0]!.timestamp).toBeLessThanOrEqual(Date.now())
    })

    it('moves large frames split across many writes, and large and small frames alternating, in order', async () => {
      const { a, b } = await open()
      echo(b)
      const rec = new Recorder(a).attach()
      const big = Buffer.alloc(3 * 1024 * 1024 + 7)
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff
      const sizes = [10, 70_000, 0, 64, 200_000, 1, 65_536 - 22, 65_536, 300, 150_000, 5]
      const payloads = sizes.map((n, k) => {
        const p = Buffer.alloc(n)
        for (let i = 0; i < n; i++) p[i] = (i * 7 + k) & 0xff
        return p
      })
      a.send(300, 0, big)
      // Around the worker core's offload size (64 KiB): bursts of small frames between large ones, both ways.
      const N = 60
      for (let i = 1; i <= N; i++) a.send(200, i, payloads[i % payloads.length]!)
      await waitFor(() => rec.frames.length === N + 1, 20_000, 'echoes')
      expect(Buffer.compare(Buffer.from(rec.frames[0]!.payload), big)).toBe(0)
      rec.frames.slice(1).forEach((f, k) => {
        expect(f.requestId).toBe(k + 1)
        expect(Buffer.compare(Buffer.from(f.payload), payloads[(k + 1) % payloads.length]!)).toBe(0)
      })
      // A second round after the connection went idle (the worker core is back to cutting on the main thread).
      await tick()
      a.send(201, N + 1, payloads[4]!)
      a.send(201, N + 2, payloads[0]!)
      await waitFor(() => rec.frames.length === N + 3, 20_000, 'second round')
      expect(rec.frames.slice(N + 1).map((f) => f.requestId)).toEqual([N + 1, N + 2])
      expect(a.stats.framesIn).toBe(N + 3)
    })

    it('sendEncoded queues whole pre-encoded frames (one or several) like send', async () => {
      const { a, b } = await open()
      const rb = new Recorder(b).attach()
      new Recorder(a).attach()
      const one = encodeFrame({ code: 201, requestId: 1, payload: Buffer.from('one'), timestamp: 5 })
      const two = Buffer.concat([
        encodeFrame({ code: 202, requestId: 2, payload: Buffer.alloc(0), timestamp: 6 }),
        encodeFrame({ code: 203, requestId: 3, payload: Buffer.alloc(100_000, 3), timestamp: 7 }),
      ])
      expect(a.sendEncoded(one)).toBe('ok')
      expect(a.send(200, 9, Buffer.from('between'))).toBe('ok')
      expect(a.sendEncoded(two)).toBe('ok')
      expect(a.sendEncoded(new Uint8Array(0))).toBe('ok')
      await waitFor(() => rb.frames.length === 4)
      expect(rb.frames.map((f) => [f.code, f.requestId])).toEqual([
        [201, 1],
        [200, 9],
        [202, 2],
        [203, 3],
      ])
      expect(rb.frames[0]!.timestamp).toBe(5)
      expect(Buffer.compare(Buffer.from(rb.frames[3]!.payload), Buffer.alloc(100_000, 3))).toBe(0)
      expect(b.stats.bytesIn).toBe(one.length + two.length + 22 + 7)
      await waitFor(() => a.stats.bytesOut === one.length + two.length + 22 + 7)
      expect(a.stats.framesOut).toBe(1) // sendEncoded bytes are counted, not parsed
    })

    it('reassembles frames that arrive a byte at a time', async () => {
      const { a, b } = await open()
      const rb = new Recorder(b).attach()
      new Recorder(a).attach()
      const bytes = Buffer.concat([
        encodeFrame({ code: 200, requestId: 1, payload: Buffer.from('one') }),
        encodeFrame({ code: 201, requestId: 2, payload: Buffer.alloc(0) }),
        encodeFrame({ code: 202, requestId: 3, payload: Buffer.from('three') }),
      ])
      for (let i = 0; i < bytes.length; i++) {
        a.sendEncoded(bytes.subarray(i, i + 1))
        await tick()
      }
      await waitFor(() => rb.frames.length === 3)
      expect(rb.frames.map((f) => f.code)).toEqual([200, 201, 202])
      expect(Buffer.from(rb.frames[2]!.payload).toString()).toBe('three')
      expect(rb.errors).toEqual([])
    })

    it('does not read before setHandler, then delivers what waited', async () => {
      const { a, b } = await open()
      new Recorder(a).attach()
      a.send(200, 1, Buffer.from('early'))
      await new Promise((r) => setTimeout(r, 50))
      expect(b.stats.framesIn).toBe(0)
      const rb = new Recorder(b).attach()
      await waitFor(() => rb.frames.length === 1)
      expect(Buffer.from(rb.frames[0]!.payload).toString()).toBe('early')
    })

    it('reports backpressure, then drain once, and loses nothing (peer that reads late)', async () => {
      const { a, b } = await open({ highWaterMark: 256 * 1024, maxQueuedBytes: 64 * 1024 * 1024 })
      const ra = new Recorder(a).attach() // b has no handler yet: does not read
      const payload = Buffer.alloc(32 * 1024, 7)
      let sent = 0
      let result = 'ok'
      // Bounded: a kernel absorbs a few MiB, then the queue passes the high-water mark.
      while (result === 'ok' && sent < 4000) {
        result = a.send(200, sent, payload)
        sent++
      }
      expect(result).toBe('backpressure')
      expect(a.bufferedAmount).toBeGreaterThan(256 * 1024)
      expect(ra.drains).toBe(0)
      const rb = new Recorder(b).attach()
      await waitFor(() => ra.drains === 1, 20_000, 'drain')
      expect(a.bufferedAmount).toBeLessThanOrEqual(256 * 1024)
      await waitFor(() => rb.frames.length === sent, 20_000, 'all frames')
      expect(rb.frames.map((f) => f.requestId)).toEqual(Array.from({ length: sent }, (_, i) => i))
      await tick()
      expect(ra.drains).toBe(1)
    })

    it("hard cap, policy 'error': rejects the send, keeps the connection and what was queued", async () => {
      const { a, b } = await open({
        highWaterMark: 256 * 1024,
        maxQueuedBytes: 1024 * 1024,
        overflowPolicy: 'error',
      })
      const ra = new Recorder(a).attach()
      const payload = Buffer.alloc(64 * 1024, 1)
      let sent = 0
      let result = 'ok'
      while (result !== 'overflow' && sent < 4000) {
        result = a.send(200, sent, payload)
        if (result !== 'overflow') sent++
      }
      expect(result).toBe('overflow')
      expect(a.closed).toBe(false)
      expect(a.stats.overflowRejected).toBe(1)
      expect(a.bufferedAmount).toBeLessThanOrEqual(1024 * 1024)
      expect(a.sendEncoded(encodeFrame({ code: 200, requestId: 0, payload }))).toBe('overflow')
      expect(a.stats.overflowRejected).toBe(2)
      const rb = new Recorder(b).attach()
      await waitFor(() => rb.frames.length === sent, 20_000, 'queued frames')
      expect(rb.frames.at(-1)!.requestId).toBe(sent - 1)
      expect(ra.closes).toEqual([])
    })

    it("hard cap, policy 'close': closes the connection with reason 'overflow' and an OverflowError", async () => {
      const { a } = await open({
        highWaterMark: 256 * 1024,
        maxQueuedBytes: 1024 * 1024,
        overflowPolicy: 'close',
      })
      const ra = new Recorder(a).attach()
      const payload = Buffer.alloc(64 * 1024, 1)
      let result = 'ok'
      for (let i = 0; i < 4000 && result !== 'overflow'; i++) result = a.send(200, i, payload)
      expect(result).toBe('overflow')
      const info = await ra.closed
      expect(info.reason).toBe('overflow')
      expect(info.error).toBeInstanceOf(OverflowError)
      expect(a.closed).toBe(true)
      expect(a.send(200, 1, Buffer.alloc(1))).toBe('closed')
    })

    it('reports bad CRC and unknown codes, drops only those frames, counts them', async () => {
      const registry = new MessageTypeRegistry()
      registry.register(new MessageType(200, 'known'))
      const { a, b } = await open({ registry })
      const rb = new Recorder(b).attach()
      new Recorder(a).attach()
      const corrupt = encodeFrame({ code: 200, requestId: 1, payload: Buffer.from('abc') })
      corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] ?? 0) ^ 0xff
      a.sendEncoded(
        Buffer.concat([
          corrupt,
          encodeFrame({ code: 999, requestId: 2, payload: Buffer.from('x') }),
          encodeFrame({ code: 200, requestId: 3, payload: Buffer.from('good') }),
        ]),
      )
      await waitFor(() => rb.frames.length === 1)
      expect(rb.frames[0]!.requestId).toBe(3)
      expect(rb.errors.map((e) => e.name)).toEqual(['ChecksumMismatchError', 'UnknownMessageTypeError'])
      expect(b.stats).toMatchObject({ checksumErrors: 1, unknownTypes: 1, framesIn: 1 })
      expect(b.closed).toBe(false)
    })

    it("a frame over maxMessageSize is fatal: FrameTooLargeError, close reason 'protocol-error'", async () => {
      const { a, b } = await open({ maxMessageSize: 1024 })
      const rb = new Recorder(b).attach()
      new Recorder(a).attach()
      a.send(200, 1, Buffer.from('before'))
      const header = Buffer.alloc(22)
      header.writeUInt16BE(200, 0)
      header.writeUInt32BE(5000, 2) // declares 5000 payload bytes: over the 1024 limit
      a.sendEncoded(header)
      const info = await rb.closed
      expect(info.reason).toBe('protocol-error')
      expect(info.error).toBeInstanceOf(FrameTooLargeError)
      expect(rb.errors[0]).toBeInstanceOf(FrameTooLargeError)
      expect(rb.frames.map((f) => f.requestId)).toEqual([1])
    })

    it('bad send input gets a typed error and loses nothing else', async () => {
      const { a, b } = await open({ maxMessageSize: 1024 })
      const rb = new Recorder(b).attach()
      new Recorder(a).attach()
      expect(() => a.send(70000, 1, Buffer.alloc(1))).toThrow(/message type code/)
      expect(() => a.send(200, -1, Buffer.alloc(1))).toThrow(/request id/)
      expect(() => a.send(200, 1, Buffer.alloc(1), -5)).toThrow(/timestamp/)
      expect(() => a.send(200, 1, Buffer.alloc(2000))).toThrow(FrameTooLargeError)
      expect(a.send(200, 2, Buffer.from('fine'))).toBe('ok')
      await waitFor(() => rb.frames.length === 1)
      expect(rb.frames[0]!.requestId).toBe(2)
      expect(a.stats.framesOut).toBe(1)
      // writeFrame is used by hand to be sure nothing half-written went out
      const probe = Buffer.alloc(30)
      expect(writeFrame(probe, 0, 1, 1, Buffer.alloc(8), 0)).toBe(30)
    })

    it('graceful close flushes what was queued; local / remote-end, once each; sends after are closed', async () => {
      const { a, b } = await open()
      const rb = new Recorder(b).attach()
      const ra = new Recorder(a).attach()
      for (let i = 0; i < 500; i++) a.send(200, i, Buffer.alloc(100, i & 0xff))
      const closing = a.close()
      expect(a.closed).toBe(true)
      expect(a.send(200, 999, Buffer.alloc(1))).toBe('closed')
      expect(a.sendEncoded(encodeFrame({ code: 200, requestId: 1, payload: Buffer.alloc(1) }))).toBe('closed')
      await closing
      await rb.closed
      expect(rb.frames.length).toBe(500)
      expect(rb.closes).toEqual([{ reason: 'remote-end' }])
      expect(ra.closes).toEqual([{ reason: 'local' }])
      expect(b.closed).toBe(true)
      expect(b.send(200, 1, Buffer.alloc(1))).toBe('closed')
      await a.close() // again: resolves, reports nothing new
      a.destroy()
      await tick()
      expect(ra.closes.length).toBe(1)
      expect(rb.closes.length).toBe(1)
    })

    it('a close in the middle of a frame: the whole frames before it arrive, then remote-end', async () => {
      const { a, b } = await open()
      const rb = new Recorder(b).attach()
      new Recorder(a).attach()
      const whole = encodeFrame({ code: 200, requestId: 1, payload: Buffer.alloc(150_000, 1) })
      const cut = encodeFrame({ code: 201, requestId: 2, payload: Buffer.alloc(300_000, 2) })
      a.sendEncoded(whole)
      a.sendEncoded(cut.subarray(0, 200_000))
      await a.close()
      const info = await rb.closed
      expect(info.reason).toBe('remote-end')
      expect(rb.frames.map((f) => f.requestId)).toEqual([1])
      await tick()
      expect(rb.closes).toHaveLength(1)
    })

    it('close reaches a peer that has no handler yet: its frames, then the close, on setHandler', async () => {
      const { a, b } = await open()
      new Recorder(a).attach()
      a.send(200, 1, Buffer.from('x'))
      const closing = a.close() // over TCP it settles once the peer has read the FIN (or after closeTimeout)
      await tick()
      const rb = new Recorder(b).attach()
      const info = await rb.closed
      expect(info.reason).toBe('remote-end')
      expect(rb.frames.length).toBe(1)
      await closing
    })

    it('destroy(error): local with that error here, the peer told (reset or remote-end), once each', async () => {
      const { a, b } = await open()
      const ra = new Recorder(a).attach()
      const rb = new Recorder(b).attach()
      for (let i = 0; i < 10; i++) a.send(200, i, Buffer.alloc(10))
      const err = new Error('boom')
      a.destroy(err)
      expect(a.closed).toBe(true)
      expect(a.send(200, 1, Buffer.alloc(1))).toBe('closed')
      const info = await ra.closed
      expect(info).toEqual({ reason: 'local', error: err })
      const peer = await rb.closed
      expect(impl.destroyedPeerReasons ?? ['remote-end', 'reset']).toContain(peer.reason)
      await a.close() // after destroy: resolves at once
      await tick()
      expect(ra.closes).toHaveLength(1)
      expect(rb.closes).toHaveLength(1)
    })

    it('setHandler after the close still reports it, once', async () => {
      const { a, b } = await open()
      new Recorder(b).attach()
      await a.close()
      const ra = new Recorder(a).attach()
      expect(await ra.closed).toEqual({ reason: 'local' })
      await tick()
      expect(ra.closes).toHaveLength(1)
    })

    it('a handler that throws loses nothing: the next frames and the close still arrive', async () => {
      const { a, b } = await open()
      new Recorder(a).attach()
      const rb = new Recorder(b)
      let thrown = 0
      rb.onFrame = (f) => {
        if (f.requestId % 2 === 0) {
          thrown++
          throw new Error('handler bug')
        }
      }
      rb.attach()
      for (let i = 0; i < 10; i++) a.send(200, i, Buffer.from([i]))
      await waitFor(() => rb.frames.length === 10)
      expect(thrown).toBe(5)
      expect(b.closed).toBe(false)
      await a.close()
      expect((await rb.closed).reason).toBe('remote-end')
    })

    it('reports its addresses and an encryption state', async () => {
      const { a, b } = await open()
      for (const c of [a, b]) {
        expect(typeof c.id).toBe('number')
        expect(typeof c.remoteAddress).toBe('string')
        expect(typeof c.localAddress).toBe('string')
        expect(typeof c.remotePort).toBe('number')
        expect(typeof c.encrypted).toBe('boolean')
        expect(c.closed).toBe(false)
        expect(c.bufferedAmount).toBe(0)
      }
      expect(a.encrypted).toBe(b.encrypted)
    })
  })
}
