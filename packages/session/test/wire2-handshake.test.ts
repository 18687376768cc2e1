import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  detectWire,
  encodeHandshakeMessage,
  HandshakeMessageError,
  HandshakeTimeoutError,
  ServerFullError,
  ServerRefusedError,
  UnknownWireError,
  VersionMismatchError,
  Wire2Handshake,
  type Wire2HandshakeInit,
  type Wire2Step,
} from '../src/index.js'

interface Golden {
  handshake: { name: string; json: string; hex: string }[]
  transcript: { chunks: { seq: number; step: string; direction: string; hex: string }[] }
  compat: { name: string; sentHex: string }[]
}
const golden: Golden = JSON.parse(
  readFileSync(fileURLToPath(new URL('./fixtures/golden-wire2.json', import.meta.url)), 'utf8'),
)
const hs = (name: string) => Buffer.from(golden.handshake.find((h) => h.name === name)!.hex, 'hex')
const compat = (name: string) => Buffer.from(golden.compat.find((c) => c.name === name)!.sentHex, 'hex')
const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('hex'))
const chunks = golden.transcript.chunks
const connect = chunks.filter((c) => c.step === 'connect')
const firstFrame = chunks.find((c) => c.step === 'chat')!

/** 2.0.0rc1's own shape, to replay its transcript byte for byte. */
const asRc1 = { version: '2.0.0rc1', protocolVersion: null } as const

function client(init: Partial<Wire2HandshakeInit> = {}) {
  const h = new Wire2Handshake({ role: 'client', ...init })
  expect(h.start()).toEqual({})
  return h
}

/** Feeds `bytes` one byte at a time; returns the steps that did something. */
function trickle(h: Wire2Handshake, bytes: Uint8Array): Wire2Step[] {
  const out: Wire2Step[] = []
  for (let i = 0; i < bytes.length && h.state !== 'done' && h.state !== 'failed'; i++) {
    const s = h.receive(bytes.subarray(i, i + 1))
    if (s.send !== undefined || s.done !== undefined || s.error !== undefined) out.push(s)
  }
  return out
}

describe('2.x handshake: the live transcript replayed byte for byte', () => {
  it('client role: the reference server hello in, the reference client reply out, then the ack', () => {
    expect(connect.map((c) => c.direction)).toEqual(['server->client', 'client->server', 'server->client'])
    const h = client(asRc1)
    const reply = h.receive(Buffer.from(connect[0]!.hex, 'hex'))
    expect(hex(reply.send)).toBe(connect[1]!.hex)
    expect(h.state).toBe('waiting-ack')
    // the ack and the first frame in one segment: the frame stays for the decoder
    const done = h.receive(
      Buffer.concat([Buffer.from(connect[2]!.hex, 'hex'), Buffer.from(firstFrame.hex, 'hex')]),
    )
    expect(done.error).toBeUndefined()
    expect(hex(done.done!.rest)).toBe(firstFrame.hex)
    expect(done.done!.peer.v).toBe('2.0.0rc1')
    // the reference server's window (30000) is adopted
    expect([done.done!.idMin, done.done!.idMax]).toEqual([0, 29999])
  })

  it('server role: the reference server hello out, the reference client reply in, the ack out', () => {
    const h = new Wire2Handshake({ role: 'server', ...asRc1, idWindow: 30000 })
    expect(hex(h.start().send)).toBe(connect[0]!.hex)
    const step = h.receive(Buffer.from(connect[1]!.hex, 'hex'))
    expect(hex(step.send)).toBe(connect[2]!.hex)
    expect(step.done!.peer).toEqual({ v: '2.0.0rc1', pv: undefined, meta: {}, extras: undefined })
    expect([step.done!.idMin, step.done!.idMax]).toEqual([32768, 65535])
    expect(step.done!.rest.length).toBe(0)
  })

  it('the same, fed one byte at a time in both roles', () => {
    const c = client(asRc1)
    const cs = trickle(c, Buffer.from(connect[0]!.hex + connect[2]!.hex, 'hex'))
    expect(cs.map((s) => hex(s.send))).toEqual([connect[1]!.hex, undefined])
    expect(c.state).toBe('done')
    const s = new Wire2Handshake({ role: 'server', ...asRc1, idWindow: 30000 })
    s.start()
    expect(trickle(s, Buffer.from(connect[1]!.hex, 'hex')).map((x) => hex(x.send))).toEqual([connect[2]!.hex])
  })
})

describe('2.x handshake: our defaults are the messages the reference accepted', () => {
  it('server hello = the dual-key hello a real 2.0.0rc1 client accepted (id_window 32768)', () => {
    expect(hex(new Wire2Handshake({ role: 'server' }).start().send)).toBe(
      hex(compat('dual-key-server-hello')),
    )
  })

  it('client reply = the dual-key reply a real 2.0.0rc1 server acked', () => {
    const h = client()
    expect(hex(h.receive(hs('server-hello')).send)).toBe(hex(compat('dual-key-client-reply')))
  })

  it('a 3.x hello (pv 1.0, no id_window) is accepted; the client keeps ids under 30000', () => {
    const h = client()
    expect(h.receive(hs('3x-server-hello')).send).toBeDefined()
    const done = h.receive(hs('server-ack')).done!
    expect([done.peer.pv, done.idMax]).toEqual(['1.0', 29999])
  })

  it('our client under our server: ids split into [0, 32767] and [32768, 65535]', () => {
    const s = new Wire2Handshake({ role: 'server' })
    const c = client()
    const reply = c.receive(s.start().send!)
    const sDone = s.receive(reply.send!)
    const cDone = c.receive(sDone.send!).done!
    expect([cDone.idMin, cDone.idMax, sDone.done!.idMin, sDone.done!.idMax]).toEqual([0, 32767, 32768, 65535])
  })

  it('a 3.x client reply is accepted by our server', () => {
    const s = new Wire2Handshake({ role: 'server' })
    s.start()
    expect(hex(s.receive(hs('3x-client-reply')).send)).toBe(hex(hs('server-ack')))
  })
})

describe('2.x handshake: refusals and checks', () => {
  it("server_full: the server sends the reference's refusal; the client fails with ServerFullError", () => {
    const s = new Wire2Handshake({ role: 'server', refuse: 'server_full' })
    const step = s.start()
    expect(hex(step.send)).toBe(hex(hs('3x-server-full')))
    expect(s.state).toBe('failed')
    const c = client()
    const e = c.receive(step.send!).error!
    expect(e).toBeInstanceOf(ServerFullError)
    expect(e).toBeInstanceOf(ServerRefusedError)
    expect([e.code, e.name, (e as ServerFullError).serverMessage]).toEqual([
      'VELTIX_ERR_SERVER_FULL',
      'ServerFullError',
      'server_full',
    ])
    expect(e.message).toContain('server_full')
  })

  it('another error reason is a ServerRefusedError naming it', () => {
    const e = client().receive(encodeHandshakeMessage({ error: 'maintenance' })).error!
    expect(e.constructor).toBe(ServerRefusedError)
    expect(e.message).toContain('maintenance')
  })

  it('a version neither 2.0.0rc1 nor 3.x would accept is a VersionMismatchError, with no reply', () => {
    for (const hello of [{ v: '3.0.1', meta: {} }, { v: '2.1.0' }, { pv: '2.0', v: '2.0.0' }, { meta: {} }]) {
      const step = client().receive(encodeHandshakeMessage(hello))
      expect(step.error).toBeInstanceOf(VersionMismatchError)
      expect(step.send).toBeUndefined()
    }
    const s = new Wire2Handshake({ role: 'server' })
    s.start()
    const step = s.receive(encodeHandshakeMessage({ v: '1.9.0', meta: {} }))
    expect(step.error).toBeInstanceOf(VersionMismatchError)
    expect(step.send).toBeUndefined() // closed without an ack
  })

  it('malformed messages are HandshakeMessageError: zero length, over 30 KiB (from the prefix), not JSON, not an object', () => {
    const cases: Uint8Array[] = [
      Buffer.from('0000', 'hex'),
      Buffer.from([0x78, 0x01]), // 30721 bytes declared: refused before any is buffered
      Buffer.from('0003616263', 'hex'), // abc
      Buffer.from('00025b5d', 'hex'), // []
      Buffer.from('00046e756c6c', 'hex'), // null
      Buffer.from('0002ffff', 'hex'), // not UTF-8
    ]
    for (const bytes of cases) {
      const e = client().receive(bytes).error
      expect(e).toBeInstanceOf(HandshakeMessageError)
      expect(e!.code).toBe('VELTIX_ERR_HANDSHAKE_MESSAGE')
    }
  })

  it('a 1.6.3 HELLO frame read as a handshake message fails typed (its 000a is read as a length)', () => {
    const e = client().receive(compat('1.6.3-HELLO')).error
    expect(e).toBeInstanceOf(HandshakeMessageError)
  })

  it('an ack other than {"result": "ok"} fails the client', () => {
    const c = client()
    c.receive(hs('server-hello'))
    expect(c.receive(encodeHandshakeMessage({ result: 'no' })).error).toBeInstanceOf(HandshakeMessageError)
  })

  it('expire() fails with HandshakeTimeoutError while waiting, and is a no-op once done', () => {
    const c = new Wire2Handshake({ role: 'client', timeout: 250 })
    c.start()
    const e = c.expire().error as HandshakeTimeoutError
    expect(e).toBeInstanceOf(HandshakeTimeoutError)
    expect(e.timeout).toBe(250)
    const s = new Wire2Handshake({ role: 'server' })
    const reply = client().receive(s.start().send!)
    expect(s.receive(reply.send!).done).toBeDefined()
    expect(s.expire()).toEqual({})
    expect(() => new Wire2Handshake({ role: 'client', timeout: 0 })).toThrow(RangeError)
  })
})

describe('2.x handshake: our extras in meta.vx', () => {
  it("two Veltix for TypeScript peers see each other's extras; the reference would only see an extra meta key", () => {
    const s = new Wire2Handshake({ role: 'server', extras: { caps: { 'vx.enc': '1' } } })
    const c = client({ extras: { caps: { 'vx.auth': '1' } } })
    const hello = s.start().send!
    expect(JSON.parse(Buffer.from(hello.subarray(2)).toString())).toEqual({
      v: '2.0.0',
      pv: '1.0',
      meta: { id_window: 32768, vx: { caps: { 'vx.enc': '1' } } },
    })
    const reply = c.receive(hello)
    const sd = s.receive(reply.send!).done!
    const cd = c.receive(encodeHandshakeMessage({ result: 'ok' })).done!
    expect(sd.peer.extras).toEqual({ caps: { 'vx.auth': '1' } })
    expect(cd.peer.extras).toEqual({ caps: { 'vx.enc': '1' } })
  })

  it('a reference peer sends none: extras undefined', () => {
    const c = client()
    c.receive(hs('server-hello'))
    expect(c.receive(hs('server-ack')).done!.peer.extras).toBeUndefined()
  })

  it('non-ASCII is written as Python writes it (\\uXXXX)', () => {
    expect(Buffer.from(encodeHandshakeMessage({ error: 'plein é' }).subarray(2)).toString()).toBe(
      '{"error": "plein \\u00e9"}',
    )
  })
})

describe("protocol 'auto': the server's first bytes decide", () => {
  it('a 2.x hello (ours, 2.0.0rc1, 3.x, a refusal) reads as 2; a 1.6.3 HELLO as 1.6', () => {
    for (const b of [
      hs('server-hello'),
      hs('3x-server-hello'),
      hs('3x-server-full'),
      compat('dual-key-server-hello'),
    ]) {
      expect(detectWire(b)).toBe('2')
    }
    expect(detectWire(compat('1.6.3-HELLO'))).toBe('1.6')
  })

  it('waits for 3 bytes, and refuses anything else with UnknownWireError', () => {
    expect(detectWire(new Uint8Array([0x00, 0x0a]))).toBeUndefined()
    expect(() => detectWire(Buffer.from('485454502f', 'hex'))).toThrow(UnknownWireError)
    expect(() => detectWire(Buffer.from('000b00', 'hex'))).toThrow(UnknownWireError)
  })
})
