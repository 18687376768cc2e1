import { type Capabilities, DEFAULT_MAX_MESSAGE_SIZE, type MessageTypeRegistry } from '@veltix/codec'
import { LogLevel } from '@veltix/logger'
import { DEFAULT_SECURE_FLUSH_BYTES } from '../../constants.js'
import {
  type ClientAuthPolicy,
  type EncryptionPolicy,
  type OfferedPolicy,
  readEnc,
} from '../../secure/capabilities.js'
import type { SecureChannel } from '../../secure/channel.js'
import { SECURE, SECURE_CODE } from '../../secure/constants.js'
import { EncryptionRequiredError } from '../../secure/errors.js'
import {
  type ClientHandshake,
  createClientHandshake,
  createServerHandshake,
  type ServerHandshake,
} from '../../secure/handshake.js'
import type { IdentityKeyPair, KeyPin } from '../../secure/keys.js'
import type { TrustStore } from '../../secure/trust-store.js'
import { SecureLink, type SecureLinkInit } from '../secure-link.js'
import type { CapabilityFactory, HandshakeCapability, HandshakeContext } from './capability.js'

export type { EncryptionPolicy }

/**
 * End-to-end encryption of one session (see `src/secure/README.md` for the wire format). Negotiated in the
 * HELLO / HELLO_ACK capability block: a reference peer never announces it, so the session stays plain 1.6.3
 * unless `policy` is `'required'`.
 */
export interface SessionEncryptionInit {
  policy: EncryptionPolicy
  /**
   * Server: its long-term Ed25519 identity (required when the policy is not 'off'). Client: its own identity,
   * presented when the server asks for client authentication.
   */
  identity?: IdentityKeyPair
  /** Server: whether clients must prove an identity key (default 'none'). */
  clientAuth?: ClientAuthPolicy
  /** Server: client keys accepted under `clientAuth`. */
  trustedClients?: Iterable<KeyPin>
  /** Server: called for a client key not in `trustedClients`; true accepts it. */
  verifyClient?(publicKey: Uint8Array, fingerprint: string): boolean
  /** Client: pinned server key(s) (raw 32 bytes, `SHA256:…` fingerprint or PEM). */
  serverKey?: KeyPin | readonly KeyPin[]
  /** Client: trust-on-first-use store (needs `host`). */
  trustStore?: TrustStore
  /** Client: the trust store's name for this server, e.g. 'chat.example.com:7000'. */
  host?: string
  /** Client, TOFU: called for a host the store does not know; true trusts and records the key. Default: trust. */
  onNewServerKey?(host: string, fingerprint: string): boolean
  /** Client: accept any server key (passive eavesdroppers only). Must be explicit. */
  allowUnverified?: boolean
  /** Records per direction before the connection must close; default 2^48. */
  maxRecords?: number
  /** Batch flush threshold in bytes; default DEFAULT_SECURE_FLUSH_BYTES (64 KiB). */
  flushBytes?: number
}

/** The session options encryption reads. */
export interface EncryptionOptions {
  /**
   * End-to-end encryption (default off). Bad settings (no server identity, no client verification mode)
   * fail the session at once with `SecureConfigError`.
   */
  encryption?: SessionEncryptionInit
  /** Largest frame the transport accepts (its `maxMessageSize`); used by encrypted sends to refuse an oversized frame up front. Default 10 MiB. */
  maxMessageSize?: number
  /** Encrypted sessions: drop inner frames whose code is not in `registry` (what the transport does for plain frames when given a registry). Default false. */
  dropUnknownTypes?: boolean
}

const TYPES = [SECURE] as const

function serverHandshake(enc: SessionEncryptionInit): ServerHandshake {
  return createServerHandshake({
    identity: enc.identity as IdentityKeyPair,
    policy: enc.policy as OfferedPolicy,
    ...(enc.clientAuth === undefined ? {} : { clientAuth: enc.clientAuth }),
    ...(enc.trustedClients === undefined ? {} : { trustedClients: enc.trustedClients }),
    ...(enc.verifyClient === undefined ? {} : { verifyClient: enc.verifyClient }),
    ...(enc.maxRecords === undefined ? {} : { maxRecords: enc.maxRecords }),
  })
}

function clientHandshake(enc: SessionEncryptionInit): ClientHandshake {
  return createClientHandshake({ ...enc, policy: enc.policy as OfferedPolicy })
}

/**
 * Checks encryption settings once, up front (a `Session` does it on every connection): throws
 * `SecureConfigError` for what would fail every session of this `role` (no server identity, no way for a
 * client to verify the server, bad pins, a bad `maxRecords`). Nothing for `policy: 'off'`.
 */
export function validateEncryption(enc: SessionEncryptionInit, role: 'server' | 'client'): void {
  if (enc.policy === 'off') return
  if (role === 'server') serverHandshake(enc)
  else clientHandshake(enc)
}

/**
 * Encryption (capability `vx.enc`, src/secure/README.md): X25519 / Ed25519 entries in the HELLO / HELLO_ACK
 * block, then a phase that exchanges the Finished records and wraps the session's connection in a
 * `SecureLink`. A client with encryption off still checks that the server does not require it.
 * @internal
 */
export const encryption: CapabilityFactory<EncryptionOptions> = (init, role) => {
  const enc = init.encryption
  if (enc === undefined || enc.policy === 'off') return role === 'client' ? PLAIN_CLIENT : undefined
  return role === 'server' ? new ServerEncryption(init, enc) : new ClientEncryption(init, enc)
}

/** A plain client's look at the server's HELLO: does it announce `encryption: 'required'`? (A malformed entry: no.) */
function serverRequiresEncryption(caps: Capabilities | null): boolean {
  try {
    return readEnc(caps)?.policy === 'required'
  } catch {
    return false
  }
}

/** A client with encryption off: one object for all of them (it holds nothing). */
const PLAIN_CLIENT: HandshakeCapability = {
  name: 'encryption-off',
  accept(offered) {
    if (serverRequiresEncryption(offered)) {
      // It would refuse our plain HELLO_ACK: say why here, typed, instead of letting the connection just end.
      throw new EncryptionRequiredError(
        'peer',
        "the server requires encryption and this client has it off (set encryption: 'optional' or 'required')",
      )
    }
  },
  start(ctx) {
    ctx.next()
  },
}

function linkInit(init: EncryptionOptions, enc: SessionEncryptionInit): Omit<SecureLinkInit, 'registry'> {
  return {
    flushBytes: Math.max(1024, enc.flushBytes ?? DEFAULT_SECURE_FLUSH_BYTES),
    maxMessageSize: init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
  }
}

/** Wraps the session in a secure link (not up yet: it gates the handshake's SECURE frames). */
function wrap(ctx: HandshakeContext, init: EncryptionOptions, enc: SessionEncryptionInit): SecureLink {
  const registry: MessageTypeRegistry | undefined = init.dropUnknownTypes === true ? ctx.registry : undefined
  const link = new SecureLink(ctx.connection, ctx, { ...linkInit(init, enc), registry })
  ctx.wrap(link)
  return link
}

function up(ctx: HandshakeContext, link: SecureLink, channel: SecureChannel): void {
  link.up(channel)
  ctx.log(LogLevel.DEBUG)?.debug(() => `secure channel up (${ctx.role})`)
  ctx.next()
}

class ServerEncryption implements HandshakeCapability {
  readonly name = 'encryption'
  readonly types = TYPES
  readonly #init: EncryptionOptions
  readonly #enc: SessionEncryptionInit
  readonly #hs: ServerHandshake
  #ack: Uint8Array | undefined = undefined

  constructor(init: EncryptionOptions, enc: SessionEncryptionInit) {
    this.#init = init
    this.#enc = enc
    this.#hs = serverHandshake(enc)
  }

  offer(caps: Map<string, Uint8Array>): void {
    this.#hs.offer(caps)
  }

  exchanged(hello: Uint8Array, ack: Uint8Array | undefined): void {
    this.#hs.helloSent(hello)
    this.#ack = ack
  }

  start(ctx: HandshakeContext): void {
    const hs = this.#hs
    const r = hs.receiveAck(this.#ack)
    this.#ack = undefined
    if (r.status === 'plain') {
      ctx.next()
      return
    }
    ctx.connection.send(SECURE_CODE, 0, r.finished, 0)
    const link = wrap(ctx, this.#init, this.#enc)
    if (r.status === 'secure') {
      up(ctx, link, r.channel)
      return
    }
    // Mutual authentication: the client's Finished comes next; a plaintext frame meanwhile is refused.
    link.awaitFinished((record) => {
      let channel: SecureChannel
      try {
        channel = hs.receiveClientFinished(record)
      } catch (error) {
        ctx.fail(error instanceof Error ? error : new Error(String(error)), 'handshake-failed')
        return
      }
      up(ctx, link, channel)
    }, false)
  }
}

class ClientEncryption implements HandshakeCapability {
  readonly name = 'encryption'
  readonly types = TYPES
  readonly #init: EncryptionOptions
  readonly #enc: SessionEncryptionInit
  readonly #hs: ClientHandshake
  #secure = false

  constructor(init: EncryptionOptions, enc: SessionEncryptionInit) {
    this.#init = init
    this.#enc = enc
    this.#hs = clientHandshake(enc)
  }

  accept(offered: Capabilities | null, caps: Map<string, Uint8Array>): void {
    this.#secure = this.#hs.answer(offered, caps) === 'awaiting-finished'
  }

  exchanged(hello: Uint8Array, ack: Uint8Array | undefined): void {
    if (this.#secure) this.#hs.ackSent(hello, ack!)
  }

  start(ctx: HandshakeContext): void {
    if (!this.#secure) {
      ctx.next()
      return
    }
    const hs = this.#hs
    const link = wrap(ctx, this.#init, this.#enc)
    // The server's Finished comes next; a plaintext frame meanwhile is dropped, never answered.
    link.awaitFinished((record) => {
      let channel: SecureChannel
      try {
        const r = hs.receiveFinished(record)
        if (r.finished !== undefined) ctx.connection.send(SECURE_CODE, 0, r.finished, 0)
        channel = r.channel
      } catch (error) {
        ctx.fail(error instanceof Error ? error : new Error(String(error)), 'handshake-failed')
        return
      }
      up(ctx, link, channel)
    }, true)
  }
}
