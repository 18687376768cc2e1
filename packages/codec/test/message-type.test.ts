import { describe, expect, it } from 'vitest'
import {
  APPLICATION_CODE_MAX,
  APPLICATION_CODE_MIN,
  ERROR,
  HEARTBEAT,
  HELLO,
  HELLO_ACK,
  INVALID_REQUEST,
  InvalidMessageTypeError,
  MessageType,
  MessageTypeRegistry,
  PING,
  PLUGIN_CODE_MAX,
  PLUGIN_CODE_MIN,
  PONG,
  rangeOf,
  SYSTEM_CODE_MAX,
  SYSTEM_CODE_MIN,
  SYSTEM_TYPES,
} from '../src/index.js'

describe('MessageType', () => {
  it('holds code, name and description', () => {
    const t = new MessageType(200, 'chat', 'a chat line')
    expect([t.code, t.name, t.description]).toEqual([200, 'chat', 'a chat line'])
    expect(new MessageType(201, 'x').description).toBe('')
    expect(String(t)).toBe('chat(200)')
  })

  it('accepts codes 0 to 65535 and nothing else', () => {
    expect(new MessageType(0, 'a').code).toBe(0)
    expect(new MessageType(65535, 'b').code).toBe(65535)
    for (const code of [-1, 65536, 1.5, Number.NaN]) {
      expect(() => new MessageType(code, 'bad')).toThrow(InvalidMessageTypeError)
    }
    expect(() => new MessageType(200, '')).toThrow(InvalidMessageTypeError)
  })

  it('has the system types with the reference codes', () => {
    expect(SYSTEM_TYPES.map((t) => [t.name, t.code])).toEqual([
      ['PING', 0],
      ['PONG', 1],
      ['HEARTBEAT', 2],
      ['HELLO', 10],
      ['HELLO_ACK', 11],
      ['ERROR', 20],
      ['INVALID_REQUEST', 21],
    ])
    expect([PING, PONG, HEARTBEAT, HELLO, HELLO_ACK, ERROR, INVALID_REQUEST]).toEqual([...SYSTEM_TYPES])
    expect(Object.isFrozen(SYSTEM_TYPES)).toBe(true)
  })

  it('knows the conventional ranges', () => {
    expect([SYSTEM_CODE_MIN, SYSTEM_CODE_MAX]).toEqual([0, 199])
    expect([APPLICATION_CODE_MIN, APPLICATION_CODE_MAX]).toEqual([200, 499])
    expect([PLUGIN_CODE_MIN, PLUGIN_CODE_MAX]).toEqual([500, 65535])
    expect([0, 199, 200, 499, 500, 65535].map(rangeOf)).toEqual([
      'system',
      'system',
      'application',
      'application',
      'plugin',
      'plugin',
    ])
    expect(new MessageType(300, 'x').range).toBe('application')
    expect(() => rangeOf(70000)).toThrow(InvalidMessageTypeError)
  })
})

describe('MessageTypeRegistry', () => {
  it('starts with the system types, or with what it is given', () => {
    const r = new MessageTypeRegistry()
    expect(r.size).toBe(SYSTEM_TYPES.length)
    for (const t of SYSTEM_TYPES) expect(r.get(t.code)).toBe(t)
    expect(new MessageTypeRegistry([]).size).toBe(0)
    const chat = new MessageType(200, 'chat')
    expect(new MessageTypeRegistry([chat]).list()).toEqual([chat])
  })

  it('two registries are independent (not process-global)', () => {
    const a = new MessageTypeRegistry()
    const b = new MessageTypeRegistry()
    expect(a.register(new MessageType(200, 'chat'))).toBe(true)
    expect(a.has(200)).toBe(true)
    expect(b.has(200)).toBe(false)
    expect(b.register(new MessageType(200, 'other'))).toBe(true)
    expect(a.get(200)?.name).toBe('chat')
    expect(b.get(200)?.name).toBe('other')
    expect(new MessageTypeRegistry().has(200)).toBe(false)
  })

  it('registering the same type twice returns false and changes nothing', () => {
    const r = new MessageTypeRegistry([])
    const chat = new MessageType(200, 'chat')
    expect(r.register(chat)).toBe(true)
    expect(r.register(chat)).toBe(false)
    expect(r.register(new MessageType(200, 'chat'))).toBe(false)
    expect(r.size).toBe(1)
    expect(r.get(200)).toBe(chat)
  })

  it('a different type with a registered code is an InvalidMessageTypeError', () => {
    const r = new MessageTypeRegistry()
    r.register(new MessageType(200, 'chat'))
    expect(() => r.register(new MessageType(200, 'echo'))).toThrow(InvalidMessageTypeError)
    expect(() => r.register(new MessageType(0, 'MY_PING'))).toThrow(/already registered as 'PING'/)
    expect(r.get(200)?.name).toBe('chat')
  })

  it('unregisters, resolves unknown codes, lists in code order', () => {
    const r = new MessageTypeRegistry([new MessageType(300, 'b'), new MessageType(200, 'a')])
    expect(r.list().map((t) => t.code)).toEqual([200, 300])
    expect(r.unregister(200)).toBe(true)
    expect(r.unregister(200)).toBe(false)
    expect(r.has(200)).toBe(false)
    expect(r.resolve(300).name).toBe('b')
    const unknown = r.resolve(4242)
    expect([unknown.code, unknown.name]).toEqual([4242, 'UNKNOWN_4242'])
    expect(r.has(4242)).toBe(false)
    expect(r.has(-1)).toBe(false)
    expect(r.has(70000)).toBe(false)
    expect(r.has(1.5)).toBe(false) // PONG is 1: a fractional code must not alias it
    expect(r.has(Number.NaN)).toBe(false)
  })
})

describe('MessageTypeRegistry lookup table', () => {
  it('answers for codes in every page, and forgets unregistered ones', () => {
    const codes = [0, 1, 199, 200, 255, 256, 499, 500, 4242, 65280, 65535]
    const r = new MessageTypeRegistry([])
    for (const code of codes) r.register(new MessageType(code, `t${code}`))
    for (const code of codes) expect(r.has(code)).toBe(true)
    // Neighbours that share a page with a registered code stay unknown.
    for (const code of [2, 198, 201, 254, 257, 498, 501, 4243, 65281, 65534]) expect(r.has(code)).toBe(false)
    expect(r.unregister(256)).toBe(true)
    expect(r.has(256)).toBe(false)
    expect(r.has(255)).toBe(true)
  })

  it('keeps registries apart even where both start from the shared empty page', () => {
    const a = new MessageTypeRegistry([])
    const b = new MessageTypeRegistry([])
    a.register(new MessageType(40000, 'a'))
    expect(a.has(40000)).toBe(true)
    expect(b.has(40000)).toBe(false)
    b.register(new MessageType(40001, 'b'))
    expect(a.has(40001)).toBe(false)
  })
})
