import { createCipheriv, createHash, createHmac, createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { RecordCipher, SecureChannel } from '../../src/secure/channel.js'
import { RECORD_CLOSE, RECORD_DATA, RECORD_FINISHED } from '../../src/secure/constants.js'
import { SecureHandshakeError, SecureProtocolError } from '../../src/secure/index.js'
import { deriveTrafficKeys, transcriptHash, x25519 } from '../../src/secure/key-schedule.js'

const hex = (s: string) => Buffer.from(s, 'hex')

/** RFC 5869 HKDF written out with HMAC, independent of node's hkdfSync. */
function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string | Buffer, length: number): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest()
  const blocks: Buffer[] = []
  let prev = Buffer.alloc(0)
  for (let i = 1; blocks.length * 32 < length; i++) {
    prev = createHmac('sha256', prk).update(prev).update(info).update(Buffer.of(i)).digest()
    blocks.push(prev)
  }
  return Buffer.concat(blocks).subarray(0, length)
}

function channelPair(maxRecords = 100) {
  const k = deriveTrafficKeys(new Uint8Array(32).fill(7), new Uint8Array(32).fill(9))
  const c = new SecureChannel(
    new RecordCipher(k.clientToServerKey, k.clientToServerIv, maxRecords, 'send'),
    new RecordCipher(k.serverToClientKey, k.serverToClientIv, maxRecords, 'receive'),
    { role: 'client', transcriptHash: new Uint8Array(32), peerIdentity: undefined },
  )
  // an independent sender on the client->server direction, to forge authentic records of any type
  const c2s = new RecordCipher(k.clientToServerKey, k.clientToServerIv, maxRecords, 'send')
  const s = new SecureChannel(
    new RecordCipher(k.serverToClientKey, k.serverToClientIv, maxRecords, 'send'),
    new RecordCipher(k.clientToServerKey, k.clientToServerIv, maxRecords, 'receive'),
    { role: 'server', transcriptHash: new Uint8Array(32), peerIdentity: undefined },
  )
  return { c, s, c2s, k }
}

describe('known answers', () => {
  it('transcript hash is SHA-256 over label, 0, and the length-prefixed payloads', () => {
    const hello = Buffer.from('0005312e362e33', 'hex')
    const ack = Buffer.from('0005312e362e3356580101', 'hex')
    const expected = createHash('sha256')
      .update(
        Buffer.concat([
          Buffer.from('veltix-secure-v1 transcript'),
          Buffer.of(0),
          hex('00000007'),
          hello,
          hex('0000000b'),
          ack,
        ]),
      )
      .digest()
    expect(Buffer.from(transcriptHash(hello, ack))).toEqual(expected)
    // swapping the payloads changes it (order matters; the length prefixes keep the split unambiguous)
    expect(Buffer.from(transcriptHash(ack, hello))).not.toEqual(expected)
  })

  it('HKDF-SHA256 over fixed inputs is deterministic and matches RFC 5869 written out', () => {
    const ikm = new Uint8Array(32).fill(0x0b)
    const th = new Uint8Array(32).fill(0x5a)
    const a = deriveTrafficKeys(ikm, th)
    const b = deriveTrafficKeys(ikm, th)
    expect(a).toEqual(b)
    const okm = hkdf(ikm, th, 'veltix-secure-v1 keys c2s s2c', 88)
    expect(Buffer.from(a.clientToServerKey)).toEqual(okm.subarray(0, 32))
    expect(Buffer.from(a.clientToServerIv)).toEqual(okm.subarray(32, 44))
    expect(Buffer.from(a.serverToClientKey)).toEqual(okm.subarray(44, 76))
    expect(Buffer.from(a.serverToClientIv)).toEqual(okm.subarray(76, 88))
    // RFC 5869 test case 1 through the same helper, to trust the helper
    expect(
      hkdf(hex('0b'.repeat(22)), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42).toString(
        'hex',
      ),
    ).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865')
  })

  it('X25519 matches RFC 7748 section 6.1', () => {
    const alice = createPrivateKey({
      key: Buffer.concat([
        hex('302e020100300506032b656e04220420'),
        hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'),
      ]),
      format: 'der',
      type: 'pkcs8',
    })
    const shared = x25519(alice, hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'))
    expect(Buffer.from(shared).toString('hex')).toBe(
      '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
    )
  })

  it('refuses a low-order X25519 peer key (all-zero shared secret)', () => {
    const { privateKey } = generateKeyPairSync('x25519')
    expect(() => x25519(privateKey, new Uint8Array(32))).toThrow(SecureHandshakeError)
  })

  it('a record is type | ChaCha20-Poly1305(IV xor seq, AAD = type) | tag', () => {
    const { c, k } = channelPair()
    c.seal(1, 1, 1, new Uint8Array(0)) // seq 0
    const rec = Buffer.from(c.seal(0x00c8, 0x01020304, 1_700_000_000_000, Buffer.from('hi'))) // seq 1
    const nonce = Buffer.from(k.clientToServerIv)
    nonce[11]! ^= 1
    const cipher = createCipheriv('chacha20-poly1305', k.clientToServerKey, nonce, { authTagLength: 16 })
    cipher.setAAD(Buffer.of(RECORD_DATA), { plaintextLength: 24 })
    // the inner frame in the codec's layout: code, size, CRC-32 of 'hi', timestamp, request id, payload
    const inner = hex('00c8' + '00000002' + 'd8932aac' + '0000018bcfe56800' + '01020304' + '6869')
    const ct = Buffer.concat([cipher.update(inner), cipher.final()])
    expect(rec).toEqual(Buffer.concat([Buffer.of(1), ct, cipher.getAuthTag()]))
  })
})

describe('record types', () => {
  it('an authentic Finished after the handshake is a SecureProtocolError', () => {
    const { s, c2s } = channelPair()
    expect(() => s.open(c2s.seal(RECORD_FINISHED, new Uint8Array(64)))).toThrow(SecureProtocolError)
  })

  it('an authentic unknown record type, a short inner frame or a close with a body are SecureProtocolErrors', () => {
    for (const [type, body] of [
      [9, new Uint8Array(20)],
      [RECORD_DATA, new Uint8Array(21)],
      [RECORD_CLOSE, new Uint8Array(1)],
    ] as const) {
      const { s, c2s } = channelPair()
      expect(() => s.open(c2s.seal(type, body))).toThrow(SecureProtocolError)
    }
  })
})

describe('ciphers prepared in idle time', () => {
  const tick = () => new Promise<void>((r) => setImmediate(r))

  it('records sealed and opened with prepared ciphers are the ones fresh ciphers make and open', async () => {
    const a = channelPair(1000)
    const b = channelPair(1000)
    const frames = Array.from({ length: 12 }, (_, i) => Buffer.from(`frame ${i}`.repeat(i + 1)))
    // a: one record per tick (each seal finds the cipher prepared after the previous one); b: all at once
    const viaPrepared: Buffer[] = []
    for (const f of frames) {
      viaPrepared.push(Buffer.from(a.c.seal(200, 0, 1, f)))
      await tick()
    }
    const viaFresh = frames.map((f) => Buffer.from(b.c.seal(200, 0, 1, f)))
    expect(viaPrepared).toEqual(viaFresh)
    // opened one per tick on a (prepared deciphers), all at once on b
    for (const [i, rec] of viaPrepared.entries()) {
      expect(Buffer.from(a.s.open(rec)!.payload)).toEqual(frames[i])
      await tick()
    }
    for (const [i, rec] of viaFresh.entries()) expect(Buffer.from(b.s.open(rec)!.payload)).toEqual(frames[i])
    a.c.dispose()
    a.s.dispose()
    b.c.dispose()
    b.s.dispose()
  })

  it('a prepared decipher still refuses a tampered, replayed or reordered record and a close-notify still opens', async () => {
    const { c, s } = channelPair(1000)
    const recs = [0, 1, 2, 3].map((i) => Buffer.from(c.seal(200, 0, 1, Buffer.from(`r${i}`))))
    expect(s.open(recs[0]!)).not.toBeNull()
    await tick() // the decipher for record 1 is now prepared
    const tampered = Buffer.from(recs[1]!)
    tampered[5]! ^= 0x40
    expect(() => s.open(tampered)).toThrow(/record 1/)
    expect(() => s.open(recs[0]!)).toThrow(expect.objectContaining({ name: 'ReplayError' }))
    expect(() => s.open(recs[2]!)).toThrow(expect.objectContaining({ name: 'ReorderError' }))
    expect(Buffer.from(s.open(recs[1]!)!.payload)).toEqual(Buffer.from('r1'))
    await tick()
    expect(Buffer.from(s.open(recs[2]!)!.payload)).toEqual(Buffer.from('r2'))
    expect(Buffer.from(s.open(recs[3]!)!.payload)).toEqual(Buffer.from('r3'))
    await tick() // prepared for a data record; the close-notify (another AAD) must still open
    expect(s.open(c.sealClose())).toBeNull()
    expect(s.peerClosed).toBe(true)
    c.dispose()
    s.dispose()
  })
})
