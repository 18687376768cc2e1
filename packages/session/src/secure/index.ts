/**
 * @packageDocumentation
 * End-to-end encryption for Veltix sessions, on node:crypto only: negotiated in the HELLO / HELLO_ACK
 * capability block (a reference peer never announces it, so the session stays plain 1.6.3 unless this side
 * requires encryption), ephemeral X25519 per connection, HKDF-SHA256 over both full HELLO / HELLO_ACK payloads,
 * ChaCha20-Poly1305 with implicit counter nonces, an Ed25519 server identity (pinned or trust-on-first-use) and
 * optional client identities. Wire layout: README.md beside this file.
 *
 * @example
 * ```ts
 * import { createClientHandshake, createServerHandshake, generateIdentity, fingerprint } from './secure/index.js'
 *
 * const identity = generateIdentity()                          // server, long-term (loadIdentity(pem) in practice)
 * const server = createServerHandshake({ identity, policy: 'optional' })
 * const client = createClientHandshake({ serverKey: fingerprint(identity.publicKey) })
 *
 * const hello = server.hello('1.6.3')                          // HELLO payload (server -> client)
 * const h = client.receiveHello(hello, '1.6.3')                // h.ack: HELLO_ACK payload (client -> server)
 * const a = server.receiveAck(h.ack)                           // a.finished: first SECURE payload (server -> client)
 * if (a.status !== 'secure') throw new Error('not negotiated')
 * const { channel: c } = client.receiveFinished(a.finished)
 *
 * const record = c.seal(200, 0x01020304, Date.now(), Buffer.from('hi'))   // payload of a SECURE (code 30) frame
 * const frame = a.channel.open(record)                         // { code: 200, requestId, timestamp, payload }
 * ```
 */

export type { ClientAuthPolicy, EncryptionPolicy, OfferedPolicy } from './capabilities.js'
export { SecureChannel, type SecureChannelInfo } from './channel.js'
export {
  CAP_ENC,
  CAP_ENC_ID,
  CAP_ENC_KX,
  DEFAULT_MAX_RECORDS,
  ENC_FORMAT_VERSION,
  SECURE,
  SECURE_CODE,
  SECURE_OVERHEAD,
  SUITE_X25519_ED25519_CHACHA20POLY1305,
} from './constants.js'
export {
  BadSignatureError,
  ChannelClosedError,
  DecryptError,
  DowngradeError,
  EncryptionRequiredError,
  ReorderError,
  ReplayError,
  SecureConfigError,
  SecureError,
  SecureHandshakeError,
  SecureProtocolError,
  SequenceExhaustedError,
  TruncatedStreamError,
  UntrustedKeyError,
} from './errors.js'
export {
  type ClientFinishedResult,
  ClientHandshake,
  type ClientHandshakeInit,
  type ClientHandshakeState,
  type ClientHelloResult,
  createClientHandshake,
  createServerHandshake,
  type ServerAckResult,
  ServerHandshake,
  type ServerHandshakeInit,
  type ServerHandshakeState,
} from './handshake.js'
export {
  exportIdentity,
  fingerprint,
  generateIdentity,
  type IdentityKeyPair,
  type KeyPin,
  loadIdentity,
  loadPublicKey,
  publicKeyToPem,
} from './keys.js'
export { FileTrustStore, MemoryTrustStore, type TrustStore } from './trust-store.js'
