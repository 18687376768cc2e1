import { decodeHelloPayload, encodeHelloPayload } from '@veltix/codec'
import { describe, expect, it } from 'vitest'
import {
  CAP_ENC,
  CAP_ENC_ID,
  CAP_ENC_KX,
  createClientHandshake,
  createServerHandshake,
  fingerprint,
  generateIdentity,
  SecureConfigError,
  SecureHandshakeError,
} from '../../src/secure/index.js'
import { handshake, serverIdentity, VERSION } from './helpers.js'

const pin = fingerprint(serverIdentity.publicKey)

describe('secure handshake', () => {
  it('completes in memory and both channels carry frames both ways', () => {
    const { client, server } = handshake({ serverKey: pin })
    const rec = client.seal(200, 0x01020304, 1_700_000_000_000, Buffer.from('hello'))
    expect(server.open(rec)).toEqual({
      code: 200,
      requestId: 0x01020304,
      timestamp: 1_700_000_000_000,
      payload: Buffer.from('hello'),
    })
    const back = server.seal(201, 7, 0, new Uint8Array(0))
    const f = client.open(back)
    expect(f?.code).toBe(201)
    expect(f?.payload.length).toBe(0)
    expect(Buffer.from(client.transcriptHash)).toEqual(Buffer.from(server.transcriptHash))
    expect(Buffer.from(client.peerIdentity!)).toEqual(Buffer.from(serverIdentity.publicKey))
    expect(server.peerIdentity).toBeUndefined()
    // the server's Finished used s2c sequence 0
    expect(server.sendSequence).toBe(2)
    expect(client.receiveSequence).toBe(2)
    expect(client.sendSequence).toBe(1)
  })

  it('HELLO carries vx.enc (format 1, policy, suite 1, client-auth) + 32-byte kx and id', () => {
    const s = createServerHandshake({ identity: serverIdentity, policy: 'required' })
    const hello = decodeHelloPayload(s.hello(VERSION, new Map([['app', Uint8Array.of(9)]])))
    expect(hello.version).toBe(VERSION)
    const caps = hello.capabilities!
    expect([...caps.get(CAP_ENC)!]).toEqual([1, 2, 1, 0])
    expect(caps.get(CAP_ENC_KX)!.length).toBe(32)
    expect(Buffer.from(caps.get(CAP_ENC_ID)!)).toEqual(Buffer.from(serverIdentity.publicKey))
    expect([...caps.get('app')!]).toEqual([9])
    expect(s.state).toBe('hello-sent')
  })

  it('ephemeral keys differ per connection (forward secrecy) and so do transcripts', () => {
    const a = handshake({ serverKey: pin })
    const b = handshake({ serverKey: pin })
    expect(Buffer.from(a.client.transcriptHash)).not.toEqual(Buffer.from(b.client.transcriptHash))
    // a record of one connection does not open on another
    expect(() => b.server.open(a.client.seal(200, 1, 0, Buffer.from('x')))).toThrow()
  })

  it('steps out of order throw SecureHandshakeError', () => {
    const s = createServerHandshake({ identity: serverIdentity })
    expect(() => s.receiveAck(undefined)).toThrow(SecureHandshakeError)
    s.hello(VERSION)
    expect(() => s.hello(VERSION)).toThrow(SecureHandshakeError)
    const c = createClientHandshake({ allowUnverified: true })
    expect(() => c.receiveFinished(new Uint8Array(40))).toThrow(SecureHandshakeError)
  })

  it('refuses bad configuration with SecureConfigError', () => {
    expect(() => createClientHandshake({})).toThrow(SecureConfigError)
    expect(() => createClientHandshake({ trustStore: { get: () => undefined, set: () => {} } })).toThrow(
      SecureConfigError,
    )
    expect(() => createClientHandshake({ serverKey: 'SHA256:nope' })).toThrow(SecureConfigError)
    expect(() => createClientHandshake({ serverKey: new Uint8Array(31) })).toThrow(SecureConfigError)
    expect(() => createServerHandshake({ identity: serverIdentity, clientAuth: 'required' })).toThrow(
      SecureConfigError,
    )
    expect(() => createServerHandshake({ identity: serverIdentity, maxRecords: 1 })).toThrow(
      SecureConfigError,
    )
    const s = createServerHandshake({ identity: serverIdentity })
    expect(() => s.hello(VERSION, new Map([['vx.enc.foo', new Uint8Array(0)]]))).toThrow(SecureConfigError)
  })

  it('a malformed encryption capability is a SecureHandshakeError', () => {
    const s = createServerHandshake({ identity: generateIdentity() })
    const hello = decodeHelloPayload(s.hello(VERSION))
    const caps = new Map(hello.capabilities!)
    caps.set(CAP_ENC_KX, new Uint8Array(31))
    const c = createClientHandshake({ allowUnverified: true })
    expect(() => c.receiveHello(encodeHelloPayload(VERSION, caps), VERSION)).toThrow(SecureHandshakeError)
    expect(c.state).toBe('failed')
  })
})
