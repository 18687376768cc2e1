import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  timingSafeEqual,
} from 'node:crypto'
import { PUBLIC_KEY_SIZE } from './constants.js'
import { SecureConfigError } from './errors.js'

/** A long-term Ed25519 identity: the raw 32-byte public key and the private key as a `KeyObject`. */
export interface IdentityKeyPair {
  /** Raw 32-byte Ed25519 public key (what goes on the wire and what peers pin). */
  readonly publicKey: Uint8Array
  readonly privateKey: KeyObject
}

/**
 * What a peer's identity is checked against: its raw 32-byte public key, its fingerprint
 * (`SHA256:<base64 without padding>`, see `fingerprint`), or its public key as PEM (SPKI).
 */
export type KeyPin = Uint8Array | string

// DER prefixes that wrap a raw 32-byte key into SPKI / PKCS#8 (RFC 8410).
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex')

/** Generates a fresh Ed25519 identity key pair. */
export function generateIdentity(): IdentityKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return { privateKey, publicKey: rawPublicKey(publicKey) }
}

/**
 * Loads an Ed25519 identity from a PEM private key (PKCS#8, `-----BEGIN PRIVATE KEY-----`), the raw 32-byte
 * private seed, or a private `KeyObject`. Throws `SecureConfigError` for anything else (wrong type, wrong size).
 */
export function loadIdentity(key: string | Uint8Array | KeyObject): IdentityKeyPair {
  let privateKey: KeyObject
  try {
    if (typeof key === 'string') privateKey = createPrivateKey({ key, format: 'pem' })
    else if (key instanceof Uint8Array) {
      if (key.length !== 32)
        throw new SecureConfigError(`raw Ed25519 private key of ${key.length} bytes: needs 32`)
      privateKey = createPrivateKey({
        key: Buffer.concat([ED25519_PKCS8_PREFIX, key]),
        format: 'der',
        type: 'pkcs8',
      })
    } else privateKey = key
  } catch (cause) {
    if (cause instanceof SecureConfigError) throw cause
    throw new SecureConfigError('cannot load the identity private key', { cause })
  }
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new SecureConfigError(
      `identity key must be an Ed25519 private key, got ${privateKey.type} ${privateKey.asymmetricKeyType ?? '?'}`,
    )
  }
  return { privateKey, publicKey: rawPublicKey(createPublicKey(privateKey)) }
}

/** The identity's private key as PEM (PKCS#8) text. Keep it secret (file mode 0600). */
export function exportIdentity(pair: IdentityKeyPair, format: 'pem'): string
/** The identity's raw 32-byte private seed. */
export function exportIdentity(pair: IdentityKeyPair, format: 'raw'): Uint8Array
export function exportIdentity(pair: IdentityKeyPair, format: 'pem' | 'raw'): string | Uint8Array {
  if (format === 'pem') return pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
  const der = pair.privateKey.export({ format: 'der', type: 'pkcs8' })
  return new Uint8Array(der.subarray(der.length - 32))
}

/**
 * Loads an Ed25519 public key from PEM (SPKI, `-----BEGIN PUBLIC KEY-----`), raw 32 bytes or a `KeyObject`
 * (public or private) and returns the raw 32 bytes. Throws `SecureConfigError` otherwise.
 */
export function loadPublicKey(key: string | Uint8Array | KeyObject): Uint8Array {
  if (key instanceof Uint8Array) {
    if (key.length !== PUBLIC_KEY_SIZE) {
      throw new SecureConfigError(`raw Ed25519 public key of ${key.length} bytes: needs ${PUBLIC_KEY_SIZE}`)
    }
    return new Uint8Array(key)
  }
  let k: KeyObject
  try {
    k = typeof key === 'string' ? createPublicKey({ key, format: 'pem' }) : key
    if (k.type === 'private') k = createPublicKey(k)
  } catch (cause) {
    throw new SecureConfigError('cannot load the public key', { cause })
  }
  if (k.asymmetricKeyType !== 'ed25519') {
    throw new SecureConfigError(`expected an Ed25519 public key, got ${k.asymmetricKeyType ?? '?'}`)
  }
  return rawPublicKey(k)
}

/** The PEM (SPKI) text of a raw 32-byte Ed25519 public key: what a server hands out for clients to pin. */
export function publicKeyToPem(publicKey: Uint8Array): string {
  return ed25519PublicKeyObject(publicKey).export({ format: 'pem', type: 'spki' }) as string
}

/**
 * `SHA256:` + base64 (no padding) of the SHA-256 of the raw 32-byte public key. Looks like OpenSSH's but is
 * not the same value (OpenSSH hashes its own key blob).
 */
export function fingerprint(publicKey: Uint8Array | KeyObject): string {
  const raw = publicKey instanceof Uint8Array ? publicKey : loadPublicKey(publicKey)
  return `SHA256:${createHash('sha256').update(raw).digest('base64').replace(/=+$/, '')}`
}

/** Normalises a pin to a fingerprint string, or throws `SecureConfigError`. */
export function pinToFingerprint(pin: KeyPin): string {
  if (typeof pin === 'string') {
    if (pin.startsWith('SHA256:')) {
      if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(pin))
        throw new SecureConfigError(`malformed fingerprint '${pin}'`)
      return pin
    }
    if (pin.includes('-----BEGIN')) return fingerprint(loadPublicKey(pin))
    throw new SecureConfigError(`a key pin must be 32 raw bytes, 'SHA256:<base64>' or a PEM public key`)
  }
  return fingerprint(loadPublicKey(pin))
}

/** True when `publicKey` (raw 32 bytes) matches one of the fingerprints. */
export function matchesAny(publicKey: Uint8Array, fingerprints: readonly string[]): boolean {
  const fp = Buffer.from(fingerprint(publicKey))
  let ok = false
  for (const f of fingerprints) {
    const b = Buffer.from(f)
    if (b.length === fp.length && timingSafeEqual(b, fp)) ok = true
  }
  return ok
}

export function rawPublicKey(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'spki' })
  return new Uint8Array(der.subarray(der.length - PUBLIC_KEY_SIZE))
}

export function ed25519PublicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
}

export function x25519PublicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
}
