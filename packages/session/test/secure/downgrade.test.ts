import { decodeHelloPayload, encodeHelloPayload } from '@veltix/codec'
import { describe, expect, it } from 'vitest'
import {
  BadSignatureError,
  CAP_ENC,
  CAP_ENC_ID,
  CAP_ENC_KX,
  createClientHandshake,
  createServerHandshake,
  DowngradeError,
  EncryptionRequiredError,
  fingerprint,
  generateIdentity,
  MemoryTrustStore,
  SecureHandshakeError,
} from '../../src/secure/index.js'
import { editCaps, handshake, serverIdentity, VERSION } from './helpers.js'

const pin = fingerprint(serverIdentity.publicKey)
const stripEnc = (caps: Map<string, Uint8Array>) => {
  caps.delete(CAP_ENC)
  caps.delete(CAP_ENC_KX)
  caps.delete(CAP_ENC_ID)
}
function thrown(f: () => unknown): unknown {
  try {
    f()
  } catch (e) {
    return e
  }
  throw new Error('did not throw')
}

describe('negotiation and downgrade', () => {
  it('client required + capability stripped from the HELLO: EncryptionRequiredError (block kept or dropped)', () => {
    for (const dropBlock of [false, true]) {
      const s = createServerHandshake({ identity: serverIdentity })
      const hello = editCaps(s.hello(VERSION, new Map([['app', Uint8Array.of(1)]])), stripEnc, dropBlock)
      const c = createClientHandshake({ policy: 'required', allowUnverified: true })
      const e = thrown(() => c.receiveHello(hello, VERSION)) as EncryptionRequiredError
      expect(e).toBeInstanceOf(EncryptionRequiredError)
      expect(e.requiredBy).toBe('local')
      expect(c.state).toBe('failed')
    }
  })

  it('client required against a reference server (HELLO with no block): EncryptionRequiredError', () => {
    const c = createClientHandshake({ policy: 'required', allowUnverified: true })
    expect(() => c.receiveHello(Buffer.from('0005312e362e33', 'hex'), VERSION)).toThrow(
      EncryptionRequiredError,
    )
  })

  it('server required + client entries stripped from the HELLO_ACK: EncryptionRequiredError', () => {
    const s = createServerHandshake({ identity: serverIdentity, policy: 'required' })
    const c = createClientHandshake({ serverKey: pin })
    const h = c.receiveHello(s.hello(VERSION), VERSION)
    const e = thrown(() => s.receiveAck(editCaps(h.ack, stripEnc))) as EncryptionRequiredError
    expect(e).toBeInstanceOf(EncryptionRequiredError)
    expect(e.requiredBy).toBe('local')
    // a reference client's ACK (no block) or none at all (lenient completion) is refused the same way
    for (const ack of [Buffer.from('0005312e362e33', 'hex'), undefined]) {
      const s2 = createServerHandshake({ identity: serverIdentity, policy: 'required' })
      s2.hello(VERSION)
      expect(() => s2.receiveAck(ack)).toThrow(EncryptionRequiredError)
    }
  })

  it('reference peers: optional falls back to plain 1.6.3, with the reference bytes', () => {
    const c = createClientHandshake({ allowUnverified: true })
    const h = c.receiveHello(
      Buffer.from('0005312e362e33', 'hex'),
      VERSION,
      new Map([['app', Uint8Array.of(1)]]),
    )
    expect(h.status).toBe('plain')
    expect(Buffer.from(h.ack).toString('hex')).toBe('0005312e362e33') // no block to a server that sent none
    const s = createServerHandshake({ identity: serverIdentity })
    s.hello(VERSION)
    expect(s.receiveAck(Buffer.from('0005312e362e33', 'hex'))).toEqual({ status: 'plain' })
    expect(s.state).toBe('plain')
  })

  it('optional+optional, offer stripped from the HELLO only: the server sees "no offer seen" -> DowngradeError', () => {
    const s = createServerHandshake({ identity: serverIdentity })
    const c = createClientHandshake({ allowUnverified: true })
    const hello = editCaps(s.hello(VERSION, new Map([['app', Uint8Array.of(1)]])), stripEnc)
    const h = c.receiveHello(hello, VERSION)
    expect(h.status).toBe('plain')
    expect([...decodeHelloPayload(h.ack).capabilities!.get(CAP_ENC)!]).toEqual([1, 1, 0, 1])
    expect(() => s.receiveAck(h.ack)).toThrow(DowngradeError)
  })

  it('optional+optional, both announcements stripped: undetectable, both go plain (documented limit)', () => {
    const s = createServerHandshake({ identity: serverIdentity })
    const c = createClientHandshake({ allowUnverified: true })
    const h = c.receiveHello(editCaps(s.hello(VERSION), stripEnc), VERSION)
    expect(s.receiveAck(editCaps(h.ack, stripEnc)).status).toBe('plain')
  })

  it('...but a pinned key, or a host already in the TOFU store, makes the stripped offer a refusal', () => {
    const s = createServerHandshake({ identity: serverIdentity })
    const hello = editCaps(s.hello(VERSION), stripEnc)
    const e = thrown(() => createClientHandshake({ serverKey: pin }).receiveHello(hello, VERSION))
    expect(e).toBeInstanceOf(EncryptionRequiredError)
    expect((e as EncryptionRequiredError).requiredBy).toBe('pin')
    const store = new MemoryTrustStore([['srv:1', pin]])
    expect(() =>
      createClientHandshake({ trustStore: store, host: 'srv:1' }).receiveHello(hello, VERSION),
    ).toThrow(EncryptionRequiredError)
    // an unknown host in the same store may still go plain (nothing to compare with)
    expect(
      createClientHandshake({ trustStore: store, host: 'other:1' }).receiveHello(hello, VERSION).status,
    ).toBe('plain')
  })

  it('server policy altered in the HELLO (required -> optional): the transcripts differ, the client refuses', () => {
    const e = thrown(() =>
      handshake(
        { serverKey: pin },
        { policy: 'required' },
        { hello: (p) => editCaps(p, (c) => c.set(CAP_ENC, Uint8Array.of(1, 1, 1, 0))) },
      ),
    )
    expect(e).toBeInstanceOf(SecureHandshakeError)
    expect(String(e)).toMatch(/altered in transit/)
  })

  it('client entries or an application capability altered in the HELLO_ACK: detected at the Finished', () => {
    for (const edit of [
      (c: Map<string, Uint8Array>) => c.set(CAP_ENC, Uint8Array.of(1, 2, 1, 0)),
      (c: Map<string, Uint8Array>) => c.set('app', Uint8Array.of(2)),
    ]) {
      const s = createServerHandshake({ identity: serverIdentity })
      const c = createClientHandshake({ serverKey: pin })
      const h = c.receiveHello(s.hello(VERSION), VERSION, new Map([['app', Uint8Array.of(1)]]))
      const a = s.receiveAck(editCaps(h.ack, edit))
      if (a.status !== 'secure') throw new Error('expected secure')
      expect(() => c.receiveFinished(a.finished)).toThrow(SecureHandshakeError)
    }
  })

  it('an untouched re-encoding passes (editCaps is byte-exact), an altered version text is detected', () => {
    expect(() => handshake({ serverKey: pin }, {}, { hello: (p) => editCaps(p, () => {}) })).not.toThrow()
    // '01.6.3' still parses as 1.6.3 (so the session would accept it), but it is not the HELLO the server sent
    const e = thrown(() =>
      handshake(
        { serverKey: pin },
        {},
        {
          hello: (p) => {
            const d = decodeHelloPayload(p)
            return encodeHelloPayload('01.6.3', d.capabilities!)
          },
        },
      ),
    )
    expect(e).toBeInstanceOf(SecureHandshakeError)
  })

  it('a swapped server key share (kx) is detected', () => {
    const other = createServerHandshake({ identity: serverIdentity })
    const otherKx = decodeHelloPayload(other.hello(VERSION)).capabilities!.get(CAP_ENC_KX)!
    expect(() =>
      handshake({ serverKey: pin }, {}, { hello: (p) => editCaps(p, (c) => c.set(CAP_ENC_KX, otherKx)) }),
    ).toThrow(SecureHandshakeError)
  })

  it('an impersonator that shows the pinned public key with its own key share is refused', () => {
    // it cannot sign for the pinned key: here its Finished does not even open (see the next test for a
    // Finished that opens but carries the wrong signature)
    const attacker = createServerHandshake({ identity: generateIdentity() })
    const c = createClientHandshake({ serverKey: pin })
    const hello = editCaps(attacker.hello(VERSION), (caps) => caps.set(CAP_ENC_ID, serverIdentity.publicKey))
    const a = attacker.receiveAck(c.receiveHello(hello, VERSION).ack)
    if (a.status !== 'secure') throw new Error('expected secure')
    expect(() => c.receiveFinished(a.finished)).toThrow(SecureHandshakeError)
    expect(c.state).toBe('failed')
  })
})

describe('bad signature with matching keys', () => {
  it('a Finished that opens but is signed by another key fails with BadSignatureError', () => {
    // The server handshake signs with its identity; give it an identity whose public half is the pinned one
    // but whose private half is not: the keys and record decrypt fine, the signature does not verify.
    const wrong = generateIdentity()
    const mixed = { publicKey: serverIdentity.publicKey, privateKey: wrong.privateKey }
    expect(() => handshake({ serverKey: pin }, { identity: mixed })).toThrow(BadSignatureError)
  })
})
