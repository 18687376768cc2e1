import { HEADER_SIZE, MessageType } from '@veltix/codec'

/** Outer frame code of every protected frame once the secure channel is up (a system code, 0–199). */
export const SECURE_CODE = 30

/**
 * The SECURE message type. The transport drops codes missing from its registry, so a session that enables
 * encryption must register it (`registry.register(SECURE)`).
 */
export const SECURE = new MessageType(
  SECURE_CODE,
  'SECURE',
  'End-to-end encrypted record (whole inner frame)',
)

/** Capability key: the encryption policy (HELLO and HELLO_ACK). */
export const CAP_ENC = 'vx.enc'
/** Capability key: the sender's ephemeral X25519 public key (32 bytes). */
export const CAP_ENC_KX = 'vx.enc.kx'
/** Capability key: the sender's long-term Ed25519 identity public key (32 bytes). */
export const CAP_ENC_ID = 'vx.enc.id'

/** Layout version of the `vx.enc` value (its first byte). */
export const ENC_FORMAT_VERSION = 1
/** The one cipher suite: X25519 + Ed25519 + HKDF-SHA256 + ChaCha20-Poly1305. 0 = none. */
export const SUITE_X25519_ED25519_CHACHA20POLY1305 = 1

/** Record types (first byte of a SECURE payload, authenticated as AAD). */
export const RECORD_DATA = 1
export const RECORD_FINISHED = 2
export const RECORD_CLOSE = 3

/** Bytes of an inner frame's header inside a data record: the codec's frame header. */
export const INNER_HEADER_SIZE = HEADER_SIZE
export const TAG_SIZE = 16
export const NONCE_SIZE = 12
export const KEY_SIZE = 32
/** Ed25519 signature length. */
export const SIGNATURE_SIZE = 64
/** X25519 and Ed25519 raw public key length. */
export const PUBLIC_KEY_SIZE = 32

/**
 * Extra bytes a frame sealed in a record of its own costs over the plain frame: record type (1) + inner frame
 * header (22) + tag (16). The application payload limit shrinks by this much (the outer frame still obeys
 * `maxMessageSize`). Frames batched into one record share the 17 bytes of type and tag.
 */
export const SECURE_OVERHEAD = 1 + INNER_HEADER_SIZE + TAG_SIZE

/**
 * Records each direction may seal (and open) before the channel refuses with `SequenceExhaustedError`: 2^48,
 * far below the 2^64 nonce space (the connection must close, or a future version rekey, before then).
 * At ten million frames a second that is about 325 days of one connection.
 */
export const DEFAULT_MAX_RECORDS = 2 ** 48

/**
 * On an authentication failure, how many earlier and later sequence numbers are tried to tell a replay or a
 * reordering from plain tampering. Only on the (fatal) failure path: it costs nothing on success.
 */
export const DIAGNOSTIC_WINDOW = 16

/** Domain-separation labels (ASCII, never reused across purposes). */
export const LABEL_TRANSCRIPT = 'veltix-secure-v1 transcript'
export const LABEL_KEYS = 'veltix-secure-v1 keys c2s s2c'
export const LABEL_SERVER_FINISHED = 'veltix-secure-v1 server finished'
export const LABEL_CLIENT_FINISHED = 'veltix-secure-v1 client finished'
