import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  BadSignatureError,
  createClientHandshake,
  createServerHandshake,
  exportIdentity,
  FileTrustStore,
  fingerprint,
  generateIdentity,
  loadIdentity,
  loadPublicKey,
  MemoryTrustStore,
  publicKeyToPem,
  SecureConfigError,
  SecureHandshakeError,
  UntrustedKeyError,
} from '../../src/secure/index.js'
import { flip, handshake, serverIdentity, VERSION } from './helpers.js'

const pin = fingerprint(serverIdentity.publicKey)
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function thrown(f: () => unknown): unknown {
  try {
    f()
  } catch (e) {
    return e
  }
  throw new Error('did not throw')
}

describe('server identity: pinning', () => {
  it('accepts the pinned key as fingerprint, raw bytes, PEM, or one of several (rotation)', () => {
    for (const serverKey of [
      pin,
      serverIdentity.publicKey,
      publicKeyToPem(serverIdentity.publicKey),
      [fingerprint(generateIdentity().publicKey), pin],
    ]) {
      expect(handshake({ serverKey }).client.peerIdentity).toEqual(serverIdentity.publicKey)
    }
  })

  it('refuses a wrong server key at the HELLO with UntrustedKeyError (before sending anything)', () => {
    const s = createServerHandshake({ identity: generateIdentity() })
    const c = createClientHandshake({ serverKey: pin })
    const e = thrown(() => c.receiveHello(s.hello(VERSION), VERSION)) as UntrustedKeyError
    expect(e).toBeInstanceOf(UntrustedKeyError)
    expect(e.peer).toBe('server')
    expect(e.fingerprint).toMatch(/^SHA256:/)
    expect(e.fingerprint).not.toBe(pin)
    expect(c.state).toBe('failed')
  })

  it('allowUnverified accepts any server key', () => {
    expect(handshake({ allowUnverified: true }).client.peerIdentity).toEqual(serverIdentity.publicKey)
  })
})

describe('server identity: trust on first use', () => {
  it('records the key on first use, then enforces it', () => {
    const store = new MemoryTrustStore()
    handshake({ trustStore: store, host: 'chat:7000' })
    expect(store.get('chat:7000')).toBe(pin)
    handshake({ trustStore: store, host: 'chat:7000' }) // same key: fine
    const impostor = generateIdentity()
    const e = thrown(() => handshake({ trustStore: store, host: 'chat:7000' }, { identity: impostor }))
    expect(e).toBeInstanceOf(UntrustedKeyError)
    expect(String(e)).toMatch(/changed/)
    expect(store.get('chat:7000')).toBe(pin)
    // other hosts are independent
    handshake({ trustStore: store, host: 'other:7000' }, { identity: impostor })
    expect(store.get('other:7000')).toBe(fingerprint(impostor.publicKey))
  })

  it('asks onNewServerKey with the fingerprint; a refusal stores nothing', () => {
    const store = new MemoryTrustStore()
    const seen: string[] = []
    const e = thrown(() =>
      handshake({
        trustStore: store,
        host: 'h:1',
        onNewServerKey: (host, fp) => {
          seen.push(`${host} ${fp}`)
          return false
        },
      }),
    )
    expect(e).toBeInstanceOf(UntrustedKeyError)
    expect(seen).toEqual([`h:1 ${pin}`])
    expect(store.get('h:1')).toBeUndefined()
  })

  it('records nothing when the server fails to prove the key', () => {
    const store = new MemoryTrustStore()
    const mixed = { publicKey: serverIdentity.publicKey, privateKey: generateIdentity().privateKey }
    expect(() => handshake({ trustStore: store, host: 'h:1' }, { identity: mixed })).toThrow(
      BadSignatureError,
    )
    expect(store.get('h:1')).toBeUndefined()
  })

  it('FileTrustStore persists across instances (mode 0600) and refuses a malformed file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'veltix-tofu-'))
    dirs.push(dir)
    const path = join(dir, 'known_servers')
    handshake({ trustStore: new FileTrustStore(path), host: 'srv:9' })
    expect(readFileSync(path, 'utf8')).toContain(`srv:9 ${pin}`)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const again = new FileTrustStore(path)
    expect(again.get('srv:9')).toBe(pin)
    expect(() => handshake({ trustStore: again, host: 'srv:9' }, { identity: generateIdentity() })).toThrow(
      UntrustedKeyError,
    )
    writeFileSync(path, 'srv:9 not-a-fingerprint\n')
    expect(() => new FileTrustStore(path)).toThrow(SecureConfigError)
  })
})

describe('mutual authentication', () => {
  const clientId = generateIdentity()

  it('required + trusted client key: both sides authenticated, client Finished sent first', () => {
    const { client, server } = handshake(
      { serverKey: pin, identity: clientId },
      { clientAuth: 'required', trustedClients: [fingerprint(clientId.publicKey)] },
    )
    expect(server.peerIdentity).toEqual(clientId.publicKey)
    // the client's Finished was its record 0
    expect(client.sendSequence).toBe(1)
    expect(server.open(client.seal(200, 1, 0, Buffer.from('x')))?.code).toBe(200)
  })

  it('verifyClient decides for keys not in trustedClients', () => {
    const asked: string[] = []
    const { server } = handshake(
      { serverKey: pin, identity: clientId },
      {
        clientAuth: 'optional',
        verifyClient: (_k, fp) => {
          asked.push(fp)
          return true
        },
      },
    )
    expect(asked).toEqual([fingerprint(clientId.publicKey)])
    expect(server.peerIdentity).toEqual(clientId.publicKey)
  })

  it('refuses an untrusted client key, and a missing one when required', () => {
    const other = generateIdentity()
    const e = thrown(() =>
      handshake(
        { serverKey: pin, identity: other },
        { clientAuth: 'required', trustedClients: [clientId.publicKey] },
      ),
    ) as UntrustedKeyError
    expect(e).toBeInstanceOf(UntrustedKeyError)
    expect(e.peer).toBe('client')
    expect(e.fingerprint).toBe(fingerprint(other.publicKey))
    expect(() =>
      handshake({ serverKey: pin }, { clientAuth: 'required', trustedClients: [clientId.publicKey] }),
    ).toThrow(UntrustedKeyError)
    expect(() =>
      handshake({ serverKey: pin, identity: other }, { clientAuth: 'optional', verifyClient: () => false }),
    ).toThrow(UntrustedKeyError)
  })

  it('optional client auth without a client key: secure, no peer identity', () => {
    const { server } = handshake(
      { serverKey: pin },
      { clientAuth: 'optional', trustedClients: [clientId.publicKey] },
    )
    expect(server.peerIdentity).toBeUndefined()
  })

  it('a client that shows a trusted public key without its private key fails: BadSignatureError', () => {
    const mixed = { publicKey: clientId.publicKey, privateKey: generateIdentity().privateKey }
    const e = thrown(() =>
      handshake(
        { serverKey: pin, identity: mixed },
        { clientAuth: 'required', trustedClients: [clientId.publicKey] },
      ),
    ) as BadSignatureError
    expect(e).toBeInstanceOf(BadSignatureError)
    expect(e.peer).toBe('client')
  })

  it('a tampered client Finished is refused', () => {
    const s = createServerHandshake({
      identity: serverIdentity,
      clientAuth: 'required',
      trustedClients: [clientId.publicKey],
    })
    const c = createClientHandshake({ serverKey: pin, identity: clientId })
    const a = s.receiveAck(c.receiveHello(s.hello(VERSION), VERSION).ack)
    if (a.status !== 'awaiting-client-finished') throw new Error(a.status)
    const { finished } = c.receiveFinished(a.finished)
    expect(() => s.receiveClientFinished(flip(finished!, 10))).toThrow(SecureHandshakeError)
    expect(s.state).toBe('failed')
  })

  it('a client identity is not sent to a server that does not ask for one', () => {
    const { server, client } = handshake({ serverKey: pin, identity: clientId })
    expect(server.peerIdentity).toBeUndefined()
    expect(client.sendSequence).toBe(0)
  })
})

describe('key helpers', () => {
  it('PEM and raw-seed round trips give the same identity', () => {
    const id = generateIdentity()
    const pem = exportIdentity(id, 'pem')
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    expect(loadIdentity(pem).publicKey).toEqual(id.publicKey)
    const raw = exportIdentity(id, 'raw')
    expect(raw.length).toBe(32)
    expect(loadIdentity(raw).publicKey).toEqual(id.publicKey)
    expect(loadIdentity(id.privateKey).publicKey).toEqual(id.publicKey)
    expect(loadPublicKey(publicKeyToPem(id.publicKey))).toEqual(id.publicKey)
    expect(loadPublicKey(id.privateKey)).toEqual(id.publicKey)
  })

  it('fingerprint is SHA256: + 43 base64 characters, stable', () => {
    const fp = fingerprint(serverIdentity.publicKey)
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
    expect(fingerprint(serverIdentity.privateKey)).toBe(fp)
    expect(fingerprint(new Uint8Array(32))).toBe('SHA256:Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSU')
  })

  it('refuses keys of the wrong kind or size with SecureConfigError', () => {
    const x = generateKeyPairSync('x25519')
    expect(() => loadIdentity(x.privateKey)).toThrow(SecureConfigError)
    expect(() => loadIdentity(new Uint8Array(31))).toThrow(SecureConfigError)
    expect(() => loadIdentity('not a pem')).toThrow(SecureConfigError)
    expect(() => loadPublicKey(x.publicKey)).toThrow(SecureConfigError)
    expect(() => loadPublicKey(new Uint8Array(33))).toThrow(SecureConfigError)
    expect(() =>
      createServerHandshake({ identity: { publicKey: new Uint8Array(32), privateKey: x.privateKey } }),
    ).toThrow(SecureConfigError)
  })

  it('the README one-liner writes a key loadIdentity reads and prints its fingerprint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'veltix-key-'))
    dirs.push(dir)
    const oneLiner =
      "const c=require('node:crypto'),k=c.generateKeyPairSync('ed25519');require('node:fs').writeFileSync('server-key.pem',k.privateKey.export({type:'pkcs8',format:'pem'}),{mode:0o600});console.log('SHA256:'+c.createHash('sha256').update(k.publicKey.export({format:'der',type:'spki'}).subarray(12)).digest('base64').replace(/=+$/,''))"
    const out = execFileSync(process.execPath, ['-e', oneLiner], { cwd: dir, encoding: 'utf8' }).trim()
    const id = loadIdentity(readFileSync(join(dir, 'server-key.pem'), 'utf8'))
    expect(out).toBe(fingerprint(id.publicKey))
  })
})
