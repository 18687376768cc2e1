import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * A resume token the server issues on a resumable connection: a public `id` (the lookup key) and a `secret`,
 * both crypto.randomBytes — unguessable, derived from nothing a peer can see. Single use: a successful resume
 * issues a new one, so a replayed token finds nothing.
 */
export interface ResumeToken {
  id: Uint8Array
  secret: Uint8Array
}

export const RESUME_TOKEN_ID_LENGTH = 16
export const RESUME_TOKEN_SECRET_LENGTH = 32

export function createResumeToken(): ResumeToken {
  return { id: randomBytes(RESUME_TOKEN_ID_LENGTH), secret: randomBytes(RESUME_TOKEN_SECRET_LENGTH) }
}

/**
 * What the client presents with the token's id on reconnect. Plain: the secret itself. With encryption on, a
 * proof bound to the new connection's keys (`binding`: its channel binding, the handshake transcript hash):
 * HMAC-SHA256(secret, binding). A proof read off one connection does not verify on another.
 */
export function resumeProof(secret: Uint8Array, binding?: Uint8Array): Uint8Array {
  if (binding === undefined) return secret
  return createHmac('sha256', secret).update(binding).digest()
}

/** Constant-time check of a presented proof against the secret the server holds. */
export function verifyResumeProof(secret: Uint8Array, proof: Uint8Array, binding?: Uint8Array): boolean {
  const expected = resumeProof(secret, binding)
  return expected.length === proof.length && timingSafeEqual(expected, proof)
}

/** A map key for a token id. */
export function tokenKey(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')
}
