import { MessageTypeRegistry } from '@veltix/codec'
import type { SendResult } from '@veltix/transport'
import { describe, expect, it } from 'vitest'
import { RequestIdSpace, RequestIdsExhaustedError } from '../src/index.js'
import { Waits } from '../src/protocol/waits.js'

describe('RequestIdSpace: 16-bit ids', () => {
  it('counts from min, wraps at max, and skips every id still pending', () => {
    const ids = new RequestIdSpace(65530, 65535)
    const pending = new Set<number>()
    const take = () => {
      const id = ids.next((i) => pending.has(i), pending.size)
      pending.add(id)
      return id
    }
    expect([take(), take(), take()]).toEqual([65530, 65531, 65532])
    pending.delete(65531)
    expect([take(), take(), take()]).toEqual([65533, 65534, 65535])
    // wrapped: 65530 is still pending, 65531 was answered
    expect(take()).toBe(65531)
  })

  it('throws RequestIdsExhaustedError when every id is pending, and recovers when one is answered', () => {
    const ids = new RequestIdSpace(0, 3)
    const pending = new Set([0, 1, 2, 3])
    const e = (() => {
      try {
        ids.next((i) => pending.has(i), pending.size)
      } catch (err) {
        return err as RequestIdsExhaustedError
      }
    })()!
    expect(e).toBeInstanceOf(RequestIdsExhaustedError)
    expect([e.code, e.min, e.max]).toEqual(['VELTIX_ERR_REQUEST_IDS_EXHAUSTED', 0, 3])
    pending.delete(2)
    expect(ids.next((i) => pending.has(i), pending.size)).toBe(2)
  })

  it('a wrong count is caught by the scan too (never returns a pending id)', () => {
    const ids = new RequestIdSpace(10, 11)
    expect(() => ids.next(() => true, 0)).toThrow(RequestIdsExhaustedError)
  })

  it('refuses ranges outside u16', () => {
    expect(() => new RequestIdSpace(0, 65536)).toThrow(RangeError)
    expect(() => new RequestIdSpace(5, 4)).toThrow(RangeError)
    expect(new RequestIdSpace(32768, 65535).size).toBe(32768)
  })
})

describe('sendAndWait / ping over 16-bit ids, wrapping, replies out of order', () => {
  it('each wait gets its own reply; a late reply never completes a newer wait', async () => {
    const registry = new MessageTypeRegistry()
    const waits = new Waits(registry, { pendingRequests: 0, lastRtt: null })
    const sent: { code: number; id: number }[] = []
    const sink = {
      sendFrame(code: number, id: number): SendResult {
        sent.push({ code, id })
        return 'ok'
      },
    }
    const ids = new RequestIdSpace(65533, 65535) // 3 ids: wrap after three sends
    const next = () => ids.next((i) => waits.has(i), waits.size)
    const reply = (id: number, text: string) =>
      waits.settle({ code: 200, requestId: id, timestamp: 0, payload: new Uint8Array(Buffer.from(text)) })

    const a = waits.request(sink, 200, next(), new Uint8Array(0), 2000, undefined, false)
    const b = waits.request(sink, 200, next(), new Uint8Array(0), 2000, undefined, false)
    const p = waits.request(sink, 0, next(), new Uint8Array(0), 2000, undefined, true) // ping
    expect(sent.map((s) => s.id)).toEqual([65533, 65534, 65535])
    expect(() => next()).toThrow(RequestIdsExhaustedError)

    // out of order: the ping's PONG first, then b, then a
    expect(waits.settle({ code: 1, requestId: 65535, timestamp: 0, payload: new Uint8Array(0) })).toBe(true)
    expect(typeof (await p)).toBe('number')
    expect(reply(65534, 'for-b')).toBe(true)
    // wrapped: 65533 (a) is still pending, so the counter skips it: 65534, then 65535
    const c = waits.request(sink, 200, next(), new Uint8Array(0), 2000, undefined, false)
    const d = waits.request(sink, 200, next(), new Uint8Array(0), 2000, undefined, false)
    expect(sent.slice(3).map((s) => s.id)).toEqual([65534, 65535])
    expect(reply(65533, 'for-a')).toBe(true)
    expect(reply(65535, 'for-d')).toBe(true)
    expect(reply(65534, 'for-c')).toBe(true)
    // a duplicate (late) reply for an answered id completes nothing
    expect(reply(65535, 'late')).toBe(false)
    const texts = await Promise.all([a, b, c, d])
    expect(texts.map((r) => (r as { text(): string }).text())).toEqual(['for-a', 'for-b', 'for-c', 'for-d'])
    expect(waits.size).toBe(0)
  })
})
