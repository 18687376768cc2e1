import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CAPABILITY_MAX_BLOCK_SIZE,
  CAPABILITY_MAX_ENTRIES,
  CAPABILITY_MAX_KEY_LENGTH,
  CAPABILITY_MAX_VALUE_LENGTH,
  type Capabilities,
  decodeCapabilities,
  decodeFrame,
  decodeHelloPayload,
  encodeCapabilities,
  encodeHelloPayload,
  InvalidHelloPayloadError,
  PROTOCOL_VERSION,
  parseVersion,
  versionsCompatible,
} from '../src/index.js'
import { fromHex, goldenFrame, toHex } from './helpers.js'

const bytes = (...b: number[]) => new Uint8Array(b)
const ascii = (s: string) => [...Buffer.from(s, 'latin1')]
const HEADER = [0x56, 0x58, 0x01] // 'V' 'X' block version 1

/** u16 length + "1.6.3" followed by `tail`. */
const hello = (tail: number[]) => new Uint8Array([0x00, 0x05, ...ascii('1.6.3'), ...tail])

const keyArb = fc
  .array(fc.integer({ min: 0x21, max: 0x7e }), { minLength: 1, maxLength: CAPABILITY_MAX_KEY_LENGTH })
  .map((codes) => String.fromCharCode(...codes))
const capsArb = fc
  .uniqueArray(fc.tuple(keyArb, fc.uint8Array({ maxLength: 100 })), {
    selector: ([k]) => k,
    minLength: 1,
    maxLength: CAPABILITY_MAX_ENTRIES,
  })
  .filter(
    (entries) => entries.reduce((n, [k, v]) => n + 3 + k.length + v.length, 4) <= CAPABILITY_MAX_BLOCK_SIZE,
  )
  .map((entries) => new Map(entries))

const plainCaps = (c: Capabilities | null) => (c === null ? null : [...c].map(([k, v]) => [k, toHex(v)]))

describe('HELLO payload, as the reference', () => {
  it('the golden HELLO and HELLO_ACK payloads decode to 1.6.3 with capabilities null', () => {
    for (const name of ['hello', 'hello-ack']) {
      const payload = decodeFrame(fromHex(goldenFrame(name).frameHex)).payload
      expect(decodeHelloPayload(payload)).toEqual({ version: '1.6.3', capabilities: null })
    }
  })

  it('encodes the version without capabilities exactly as the reference', () => {
    expect(toHex(encodeHelloPayload(PROTOCOL_VERSION))).toBe(goldenFrame('hello').payloadHex)
    expect(toHex(encodeHelloPayload(PROTOCOL_VERSION, new Map()))).toBe(goldenFrame('hello').payloadHex)
  })

  it('ignores trailing bytes that do not start with the capability magic, as the reference', () => {
    for (const tail of [
      [0x00],
      [0x56],
      [0x58, 0x56, 0x01, 0x00],
      [0x56, 0x59, 1, 0],
      ascii('garbage after version'),
    ]) {
      expect(decodeHelloPayload(hello(tail))).toEqual({ version: '1.6.3', capabilities: null })
    }
  })

  it('round-trips any version text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (version) => {
        expect(decodeHelloPayload(encodeHelloPayload(version))).toEqual({ version, capabilities: null })
      }),
    )
  })

  it('keeps a leading byte-order mark in the version text', () => {
    expect(decodeHelloPayload(encodeHelloPayload('\ufeff1.6.3')).version).toBe('\ufeff1.6.3')
  })

  it('rejects a payload shorter than its declared version, or invalid UTF-8', () => {
    for (const b of [bytes(), bytes(0), bytes(0, 5, 0x31), bytes(0, 2, 0xc3, 0x28), bytes(0, 1, 0xff)]) {
      expect(() => decodeHelloPayload(b)).toThrow(InvalidHelloPayloadError)
    }
  })

  it('rejects a version text longer than a u16 can say', () => {
    expect(() => encodeHelloPayload('x'.repeat(0x10000))).toThrow(InvalidHelloPayloadError)
  })
})

describe('capability block', () => {
  it('round-trips through a HELLO payload', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), capsArb, (version, caps) => {
        const decoded = decodeHelloPayload(encodeHelloPayload(version, caps))
        expect(decoded.version).toBe(version)
        expect(plainCaps(decoded.capabilities)).toEqual(plainCaps(caps))
      }),
      { numRuns: 200 },
    )
  })

  it('has the documented byte layout', () => {
    const caps = new Map([
      ['enc', bytes(1)],
      ['hb', bytes()],
    ])
    expect([...encodeHelloPayload('1.6.3', caps)]).toEqual([
      0x00,
      0x05,
      ...ascii('1.6.3'),
      ...HEADER,
      2,
      3,
      ...ascii('enc'),
      0,
      1,
      1,
      2,
      ...ascii('hb'),
      0,
      0,
    ])
  })

  it('an empty block (no entries) decodes to an empty map', () => {
    expect(decodeHelloPayload(hello([...HEADER, 0])).capabilities).toEqual(new Map())
    expect([...encodeCapabilities(new Map())]).toEqual([...HEADER, 0])
  })

  it('accepts the bounds themselves', () => {
    const key = 'k'.repeat(CAPABILITY_MAX_KEY_LENGTH)
    const big = new Map([[key, new Uint8Array(CAPABILITY_MAX_VALUE_LENGTH)]])
    expect(decodeCapabilities(encodeCapabilities(big)).get(key)?.length).toBe(CAPABILITY_MAX_VALUE_LENGTH)

    const many = new Map(Array.from({ length: CAPABILITY_MAX_ENTRIES }, (_, i) => [`k${i}`, bytes(i)]))
    expect(decodeCapabilities(encodeCapabilities(many)).size).toBe(CAPABILITY_MAX_ENTRIES)

    // exactly 4096 bytes: entries with a 1-byte key, filled to the byte
    const entries = new Map<string, Uint8Array>()
    let size = 4
    for (let i = 0; size < CAPABILITY_MAX_BLOCK_SIZE; i++) {
      const room = CAPABILITY_MAX_BLOCK_SIZE - size - 4 // entry overhead: key length byte, 1-byte key, u16
      const v = Math.min(CAPABILITY_MAX_VALUE_LENGTH, room)
      entries.set(String.fromCharCode(0x41 + i), new Uint8Array(v))
      size += 4 + v
    }
    const block = encodeCapabilities(entries)
    expect(block.length).toBe(CAPABILITY_MAX_BLOCK_SIZE)
    expect(decodeCapabilities(block).size).toBe(entries.size)
  })

  it('refuses to encode what it would refuse to decode', () => {
    const bad: Capabilities[] = [
      new Map([['', bytes()]]),
      new Map([['has space', bytes()]]),
      new Map([['é', bytes()]]),
      new Map([['\x7f', bytes()]]),
      new Map([['k'.repeat(CAPABILITY_MAX_KEY_LENGTH + 1), bytes()]]),
      new Map([['k', new Uint8Array(CAPABILITY_MAX_VALUE_LENGTH + 1)]]),
      new Map(Array.from({ length: CAPABILITY_MAX_ENTRIES + 1 }, (_, i) => [`k${i}`, bytes()])),
      new Map(Array.from({ length: 5 }, (_, i) => [`k${i}`, new Uint8Array(1000)])),
    ]
    for (const caps of bad) expect(() => encodeHelloPayload('1.6.3', caps)).toThrow(InvalidHelloPayloadError)
  })

  const malformed: [string, number[]][] = [
    ['only the magic', [0x56, 0x58]],
    ['no entry count', [0x56, 0x58, 0x01]],
    ['block version 0', [0x56, 0x58, 0x00, 0x00]],
    ['entry count over 32', [...HEADER, 33]],
    ['count says 1, no entry', [...HEADER, 1]],
    ['key length 0', [...HEADER, 1, 0, 0, 0]],
    ['key length over 64', [...HEADER, 1, 65, ...ascii('k'.repeat(65)), 0, 0]],
    ['key truncated', [...HEADER, 1, 3, ...ascii('ab')]],
    ['value length truncated', [...HEADER, 1, 1, ...ascii('k'), 0]],
    ['value truncated', [...HEADER, 1, 1, ...ascii('k'), 0, 3, 1, 2]],
    ['value over 1024', [...HEADER, 1, 1, ...ascii('k'), 0x04, 0x01, ...new Array(1025).fill(0)]],
    ['key with a space', [...HEADER, 1, 3, ...ascii('a b'), 0, 0]],
    ['key with a control byte', [...HEADER, 1, 1, 0x0a, 0, 0]],
    ['key with a non-ASCII byte', [...HEADER, 1, 1, 0xe9, 0, 0]],
    ['key with DEL', [...HEADER, 1, 1, 0x7f, 0, 0]],
    ['duplicate key', [...HEADER, 2, 1, ...ascii('k'), 0, 0, 1, ...ascii('k'), 0, 1, 9]],
    ['a trailing byte', [...HEADER, 1, 1, ...ascii('k'), 0, 0, 0]],
    ['fewer entries than the count', [...HEADER, 2, 1, ...ascii('k'), 0, 0]],
    ['more entries than the count', [...HEADER, 1, 1, ...ascii('a'), 0, 0, 1, ...ascii('b'), 0, 0]],
    [
      'over 4096 bytes in all',
      [
        ...HEADER,
        6,
        ...[0, 1, 2, 3, 4, 5].flatMap((i) => [1, 0x61 + i, 0x03, 0x20, ...new Array(800).fill(i)]),
      ],
    ],
  ]

  for (const [name, block] of malformed) {
    it(`throws InvalidHelloPayloadError on a block with ${name}`, () => {
      expect(() => decodeHelloPayload(hello(block))).toThrow(InvalidHelloPayloadError)
      expect(() => decodeCapabilities(new Uint8Array(block))).toThrow(InvalidHelloPayloadError)
    })
  }

  it('the malformed cases are malformed only in the way named (a fixed one decodes)', () => {
    expect(decodeCapabilities(new Uint8Array([...HEADER, 1, 1, ...ascii('k'), 0, 0])).get('k')?.length).toBe(
      0,
    )
    expect(decodeCapabilities(new Uint8Array([...HEADER, 1, 3, ...ascii('a-b'), 0, 0])).has('a-b')).toBe(true)
  })

  it('a later block version is read with the same layout', () => {
    const caps = decodeCapabilities(new Uint8Array([0x56, 0x58, 0x02, 1, 1, ...ascii('k'), 0, 1, 7]))
    expect([...(caps.get('k') ?? [])]).toEqual([7])
  })

  it('decoded values are copies, not views of the payload', () => {
    const payload = encodeHelloPayload('1.6.3', new Map([['k', bytes(1, 2, 3)]]))
    const caps = decodeHelloPayload(payload).capabilities
    payload.fill(0)
    expect([...(caps?.get('k') ?? [])]).toEqual([1, 2, 3])
  })
})

describe('parseVersion / versionsCompatible (the reference rule)', () => {
  it('parses exactly three decimal integers', () => {
    expect(parseVersion('1.6.3')).toEqual([1, 6, 3])
    expect(parseVersion('0.0.0')).toEqual([0, 0, 0])
    expect(parseVersion('10.20.300')).toEqual([10, 20, 300])
  })

  it('rejects anything else', () => {
    for (const v of [
      '',
      '1',
      '1.6',
      '1.6.3.0',
      '1.6.x',
      'v1.6.3',
      '1.6.3 ',
      ' 1.6.3',
      '1..3',
      '-1.6.3',
      '1.6.3-rc1',
      '1.６.3',
    ]) {
      expect(parseVersion(v)).toBeNull()
    }
  })

  it('is compatible only on an exact match of all three', () => {
    expect(versionsCompatible('1.6.3', '1.6.3')).toBe(true)
    expect(versionsCompatible('1.6.3', '01.06.03')).toBe(true)
    expect(versionsCompatible('1.6.3', '1.6.4')).toBe(false)
    expect(versionsCompatible('1.6.3', '1.7.3')).toBe(false)
    expect(versionsCompatible('1.6.3', '2.6.3')).toBe(false)
    expect(versionsCompatible('1.6.3', '1.6')).toBe(false)
    expect(versionsCompatible('bad', 'bad')).toBe(false)
  })
})
