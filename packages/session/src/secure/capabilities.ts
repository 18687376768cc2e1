import type { Capabilities } from '@veltix/codec'
import {
  CAP_ENC,
  type CAP_ENC_ID,
  type CAP_ENC_KX,
  ENC_FORMAT_VERSION,
  PUBLIC_KEY_SIZE,
} from './constants.js'
import { SecureHandshakeError } from './errors.js'

/**
 * `'off'`: plain 1.6.3 (no capability entry). `'optional'`: encrypted when the peer announces it too, else
 * plain. `'required'`: encrypted or refused (`EncryptionRequiredError`).
 */
export type EncryptionPolicy = 'off' | 'optional' | 'required'

/** The policy of a side that takes part in the negotiation (announces `vx.enc`). */
export type OfferedPolicy = Exclude<EncryptionPolicy, 'off'>

/** Server: whether clients prove an identity key. */
export type ClientAuthPolicy = 'none' | 'optional' | 'required'

/** Client's byte 3 when it chose no suite: why. */
export const NO_SUITE_NOT_OFFERED = 1
export const NO_SUITE_UNSUPPORTED = 2

/** Decoded `vx.enc` value (its first four bytes; later formats may append, and the extra bytes are ignored). */
export interface EncEntry {
  format: number
  policy: OfferedPolicy
  /** Server: the suite offered. Client: the suite chosen, 0 = none. */
  suite: number
  /** Server: client-auth policy (0 none, 1 optional, 2 required). Client: why no suite (when suite is 0). */
  aux: number
}

const POLICY_BYTE: Record<OfferedPolicy, number> = { optional: 1, required: 2 }
export const CLIENT_AUTH_BYTE: Record<ClientAuthPolicy, number> = { none: 0, optional: 1, required: 2 }

export function encodeEnc(policy: OfferedPolicy, suite: number, aux: number): Uint8Array {
  return Uint8Array.of(ENC_FORMAT_VERSION, POLICY_BYTE[policy], suite, aux)
}

/** Reads `vx.enc`, or undefined when absent. Throws `SecureHandshakeError` when present but malformed. */
export function readEnc(caps: Capabilities | null): EncEntry | undefined {
  const v = caps?.get(CAP_ENC)
  if (v === undefined) return undefined
  if (v.length < 4)
    throw new SecureHandshakeError(`capability ${CAP_ENC} of ${v.length} bytes: needs at least 4`)
  const format = v[0]!
  if (format < 1) throw new SecureHandshakeError(`capability ${CAP_ENC} with format 0`)
  const p = v[1]!
  if (p !== 1 && p !== 2) throw new SecureHandshakeError(`capability ${CAP_ENC} with unknown policy ${p}`)
  return { format, policy: p === 2 ? 'required' : 'optional', suite: v[2]!, aux: v[3]! }
}

/** Reads a 32-byte key entry, or undefined when absent. Throws `SecureHandshakeError` on another length. */
export function readKey(
  caps: Capabilities | null,
  key: typeof CAP_ENC_KX | typeof CAP_ENC_ID,
): Uint8Array | undefined {
  const v = caps?.get(key)
  if (v === undefined) return undefined
  if (v.length !== PUBLIC_KEY_SIZE) {
    throw new SecureHandshakeError(`capability ${key} of ${v.length} bytes: needs ${PUBLIC_KEY_SIZE}`)
  }
  return v
}
