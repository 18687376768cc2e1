import { createHash, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto'
import { KEY_SIZE, LABEL_KEYS, LABEL_TRANSCRIPT, NONCE_SIZE } from './constants.js'
import { SecureHandshakeError } from './errors.js'
import { x25519PublicKeyObject } from './keys.js'

/** Traffic keys: one key and one static IV per direction. */
export interface TrafficKeys {
  clientToServerKey: Uint8Array
  clientToServerIv: Uint8Array
  serverToClientKey: Uint8Array
  serverToClientIv: Uint8Array
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4)
  b.writeUInt32BE(n, 0)
  return b
}

/**
 * TH = SHA-256( "veltix-secure-v1 transcript" || 0x00 || u32 len(HELLO) || HELLO || u32 len(HELLO_ACK) ||
 * HELLO_ACK ), over both full payloads exactly as sent (version text, every capability, in wire order).
 */
export function transcriptHash(helloPayload: Uint8Array, ackPayload: Uint8Array): Uint8Array {
  return new Uint8Array(
    createHash('sha256')
      .update(LABEL_TRANSCRIPT)
      .update(Buffer.of(0))
      .update(u32(helloPayload.length))
      .update(helloPayload)
      .update(u32(ackPayload.length))
      .update(ackPayload)
      .digest(),
  )
}

/**
 * HKDF-SHA256 (RFC 5869) with the X25519 shared secret as input keying material, TH as salt and
 * "veltix-secure-v1 keys c2s s2c" as info; 88 bytes of output split as c2s key (32) | c2s IV (12) |
 * s2c key (32) | s2c IV (12).
 */
export function deriveTrafficKeys(sharedSecret: Uint8Array, th: Uint8Array): TrafficKeys {
  const okm = new Uint8Array(hkdfSync('sha256', sharedSecret, th, LABEL_KEYS, 2 * (KEY_SIZE + NONCE_SIZE)))
  const k = KEY_SIZE
  const n = NONCE_SIZE
  return {
    clientToServerKey: okm.slice(0, k),
    clientToServerIv: okm.slice(k, k + n),
    serverToClientKey: okm.slice(k + n, 2 * k + n),
    serverToClientIv: okm.slice(2 * k + n, 2 * (k + n)),
  }
}

/** X25519 with the peer's raw public key. An all-zero result (a low-order peer key) is refused. */
export function x25519(privateKey: KeyObject, peerPublicKey: Uint8Array): Uint8Array {
  let shared: Buffer
  try {
    shared = diffieHellman({ privateKey, publicKey: x25519PublicKeyObject(peerPublicKey) })
  } catch (cause) {
    throw new SecureHandshakeError('X25519 with the peer key failed (invalid or low-order key)', { cause })
  }
  if (shared.every((b) => b === 0))
    throw new SecureHandshakeError('X25519 shared secret is all zero: low-order peer key')
  return new Uint8Array(shared)
}
