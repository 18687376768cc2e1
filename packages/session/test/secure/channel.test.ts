import {
  decodeFrame,
  encodeFrame,
  InvalidMessageTypeError,
  InvalidRequestIdError,
  InvalidTimestampError,
} from '@veltix/codec'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ChannelClosedError,
  DecryptError,
  fingerprint,
  ReorderError,
  ReplayError,
  SECURE_CODE,
  SECURE_OVERHEAD,
  SequenceExhaustedError,
} from '../../src/secure/index.js'
import { flip, handshake, serverIdentity } from './helpers.js'

const pin = fingerprint(serverIdentity.publicKey)
const pair = () => handshake({ serverKey: pin })
const text = (s: string) => Buffer.from(s)

describe('SecureChannel records', () => {
  it('a sealed record is SECURE_OVERHEAD bytes longer than the payload', () => {
    const { client } = pair()
    expect(client.seal(200, 1, 2, text('abc')).length).toBe(3 + SECURE_OVERHEAD)
    expect(client.seal(200, 1, 2, new Uint8Array(0)).length).toBe(SECURE_OVERHEAD)
  })

  it('nothing of the inner frame travels in clear inside the outer SECURE frame', () => {
    const { client, server } = pair()
    const secret = text('top secret payload, long enough to be found if it leaked')
    const record = client.seal(0x1234, 0xdeadbeef, 1_700_000_000_000, secret)
    const wire = Buffer.from(encodeFrame({ code: SECURE_CODE, requestId: 0, timestamp: 0, payload: record }))
    expect(wire.includes(secret.subarray(0, 8))).toBe(false)
    expect(wire.includes(Buffer.from([0xde, 0xad, 0xbe, 0xef]))).toBe(false)
    expect(wire.includes(Buffer.from([0x12, 0x34]))).toBe(false)
    const outer = decodeFrame(wire)
    expect(outer.code).toBe(SECURE_CODE)
    expect(outer.requestId).toBe(0)
    expect(outer.timestamp).toBe(0)
    const inner = server.open(outer.payload)
    expect(inner).toEqual({
      code: 0x1234,
      requestId: 0xdeadbeef,
      timestamp: 1_700_000_000_000,
      payload: secret,
    })
  })

  it('a flipped bit in any byte of a record (type, ciphertext, tag) fails with DecryptError and loses nothing', () => {
    const { client, server } = pair()
    const record = client.seal(200, 42, 1_700_000_000_000, text('hello'))
    for (let i = 0; i < record.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const e = (() => {
          try {
            server.open(flip(record, i, mask))
          } catch (err) {
            return err
          }
        })()
        expect(e, `byte ${i} mask ${mask}`).toBeInstanceOf(DecryptError)
        expect(e).not.toBeInstanceOf(ReplayError)
        expect(e).not.toBeInstanceOf(ReorderError)
      }
    }
    // failures did not advance the counter: the genuine record still opens
    expect(server.open(record)?.payload).toEqual(text('hello'))
  })

  it('random bit flips never authenticate (property)', () => {
    const { client, server } = pair()
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (p, at, mask) => {
          const record = client.seal(300, 1, 0, p)
          const bad = flip(record, at % record.length, mask)
          expect(() => server.open(bad)).toThrow(DecryptError)
          expect(Buffer.from(server.open(record)!.payload)).toEqual(Buffer.from(p))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('truncated or extended records fail with DecryptError', () => {
    const { client, server } = pair()
    const record = client.seal(200, 1, 0, text('hello'))
    expect(() => server.open(record.subarray(0, record.length - 1))).toThrow(DecryptError)
    expect(() => server.open(record.subarray(0, record.length - 16))).toThrow(DecryptError)
    expect(() => server.open(record.subarray(0, 16))).toThrow(/truncated/)
    expect(() => server.open(new Uint8Array(0))).toThrow(DecryptError)
    expect(() => server.open(Buffer.concat([record, Buffer.of(0)]))).toThrow(DecryptError)
    expect(server.open(record)?.code).toBe(200)
  })

  it('a replayed record fails with ReplayError', () => {
    const { client, server } = pair()
    const r0 = client.seal(200, 1, 0, text('a'))
    const r1 = client.seal(200, 2, 0, text('b'))
    server.open(r0)
    server.open(r1)
    const e = (() => {
      try {
        server.open(r0)
      } catch (err) {
        return err
      }
    })() as ReplayError
    expect(e).toBeInstanceOf(ReplayError)
    expect(e.name).toBe('ReplayError')
    // sequence numbers count the client's records; the first one is 0 (no client Finished without mutual auth)
    expect([e.expected, e.actual]).toEqual([2, 0])
    expect(() => server.open(r1)).toThrow(ReplayError)
  })

  it('reordered and dropped records fail with ReorderError', () => {
    const { client, server } = pair()
    const r0 = client.seal(200, 1, 0, text('a'))
    const r1 = client.seal(200, 2, 0, text('b'))
    const r2 = client.seal(200, 3, 0, text('c'))
    expect(() => server.open(r1)).toThrow(ReorderError)
    server.open(r0)
    // r1 dropped by the network: r2 arrives next
    const e = (() => {
      try {
        server.open(r2)
      } catch (err) {
        return err
      }
    })() as ReorderError
    expect(e).toBeInstanceOf(ReorderError)
    expect([e.expected, e.actual]).toEqual([1, 2])
  })

  it('a record reflected back to its sender fails (one key per direction)', () => {
    const { client } = pair()
    const r = client.seal(200, 1, 0, text('a'))
    expect(() => client.open(r)).toThrow(DecryptError)
  })

  it('refuses to seal past maxRecords (SequenceExhaustedError), counting the Finished', () => {
    const { client, server } = handshake({ serverKey: pin }, { maxRecords: 4 })
    // server: Finished was record 0, so three data records remain
    expect(server.sendRemaining).toBe(3)
    for (let i = 0; i < 3; i++) client.open(server.seal(200, i, 0, text('x')))
    const e = (() => {
      try {
        server.seal(200, 9, 0, text('x'))
      } catch (err) {
        return err
      }
    })() as SequenceExhaustedError
    expect(e).toBeInstanceOf(SequenceExhaustedError)
    expect([e.direction, e.limit]).toEqual(['send', 4])
    expect(server.sendRemaining).toBe(0)
  })

  it('refuses to open past maxRecords (receive side)', () => {
    const { client, server } = handshake({ serverKey: pin, maxRecords: 3 })
    client.open(server.seal(200, 1, 0, text('x')))
    client.open(server.seal(200, 2, 0, text('x')))
    expect(() => client.open(server.seal(200, 3, 0, text('x')))).toThrow(SequenceExhaustedError)
  })

  it('close-notify: open returns null, then nothing more opens or seals', () => {
    const { client, server } = pair()
    client.open(server.seal(200, 1, 0, text('last')))
    const close = server.sealClose()
    expect(server.closeSent).toBe(true)
    expect(() => server.seal(200, 2, 0, text('x'))).toThrow(ChannelClosedError)
    expect(client.peerClosed).toBe(false)
    expect(client.open(close)).toBeNull()
    expect(client.peerClosed).toBe(true)
    expect(() => client.open(close)).toThrow(ChannelClosedError)
  })

  it('bad inner fields throw the codec errors; nothing is consumed', () => {
    const { client, server } = pair()
    expect(() => client.seal(70_000, 1, 0, text('x'))).toThrow(InvalidMessageTypeError)
    expect(() => client.seal(200, -1, 0, text('x'))).toThrow(InvalidRequestIdError)
    expect(() => client.seal(200, 1, -5, text('x'))).toThrow(InvalidTimestampError)
    expect(client.sendSequence).toBe(0)
    expect(server.open(client.seal(200, 1, 2 ** 53 - 1, text('x')))?.timestamp).toBe(2 ** 53 - 1)
  })

  it('dispose wipes the keys: seal and open fail afterwards', () => {
    const { client, server } = pair()
    const r = client.seal(200, 1, 0, text('x'))
    server.dispose()
    client.dispose()
    expect(() => server.open(r)).toThrow(ChannelClosedError)
    expect(() => client.seal(200, 1, 0, text('x'))).toThrow(ChannelClosedError)
  })

  it('many frames of random sizes round-trip in order', () => {
    const { client, server } = pair()
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 2048 }), { maxLength: 20 }), (payloads) => {
        const records = payloads.map((p, i) => client.seal(200 + (i % 5), i, i * 1000, p))
        records.forEach((r, i) => {
          const f = server.open(r)!
          expect(f.code).toBe(200 + (i % 5))
          expect(f.requestId).toBe(i)
          expect(f.timestamp).toBe(i * 1000)
          expect(Buffer.from(f.payload)).toEqual(Buffer.from(payloads[i]!))
        })
      }),
      { numRuns: 50 },
    )
  })
})
