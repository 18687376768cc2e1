import { generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto'
import { type Capabilities, decodeHelloPayload, encodeHelloPayload, type HelloPayload } from '@veltix/codec'
import {
  CLIENT_AUTH_BYTE,
  type ClientAuthPolicy,
  encodeEnc,
  NO_SUITE_NOT_OFFERED,
  NO_SUITE_UNSUPPORTED,
  type OfferedPolicy,
  readEnc,
  readKey,
} from './capabilities.js'
import { RecordCipher, SecureChannel } from './channel.js'
import {
  CAP_ENC,
  CAP_ENC_ID,
  CAP_ENC_KX,
  DEFAULT_MAX_RECORDS,
  LABEL_CLIENT_FINISHED,
  LABEL_SERVER_FINISHED,
  RECORD_FINISHED,
  SIGNATURE_SIZE,
  SUITE_X25519_ED25519_CHACHA20POLY1305,
} from './constants.js'
import {
  BadSignatureError,
  DecryptError,
  DowngradeError,
  EncryptionRequiredError,
  SecureConfigError,
  SecureHandshakeError,
  SecureProtocolError,
  UntrustedKeyError,
} from './errors.js'
import { deriveTrafficKeys, transcriptHash, x25519 } from './key-schedule.js'
import {
  ed25519PublicKeyObject,
  fingerprint,
  type IdentityKeyPair,
  type KeyPin,
  matchesAny,
  pinToFingerprint,
  rawPublicKey,
} from './keys.js'
import type { TrustStore } from './trust-store.js'

const SUITE = SUITE_X25519_ED25519_CHACHA20POLY1305

export interface ServerHandshakeInit {
  /** The server's long-term Ed25519 identity (see `generateIdentity` / `loadIdentity`). Required. */
  identity: IdentityKeyPair
  /** Default 'optional': encrypt with clients that announce it, plain 1.6.3 with the others. */
  policy?: OfferedPolicy
  /** Default 'none'. 'optional' / 'required' need `trustedClients` and/or `verifyClient`. */
  clientAuth?: ClientAuthPolicy
  /** Client identity keys accepted for mutual authentication. */
  trustedClients?: Iterable<KeyPin>
  /** Called for a client key not in `trustedClients`; true accepts it. Must not throw. */
  verifyClient?(publicKey: Uint8Array, fingerprint: string): boolean
  /** Records per direction before `SequenceExhaustedError`; default DEFAULT_MAX_RECORDS (2^48). */
  maxRecords?: number
}

export interface ClientHandshakeInit {
  /** Default 'optional': encrypt when the server offers it, plain 1.6.3 otherwise (see `serverKey` / `trustStore`). */
  policy?: OfferedPolicy
  /**
   * Pinned server identity key(s): raw 32 bytes, `SHA256:…` fingerprint or PEM. Any other key is refused, and a
   * server that offers no encryption is refused too (a pin implies encryption: stripping the offer is a downgrade).
   */
  serverKey?: KeyPin | readonly KeyPin[]
  /** Trust on first use: the store remembers each host's key; a later change is refused. Needs `host`. */
  trustStore?: TrustStore
  /** The trust store's key for this server, e.g. 'chat.example.com:7000'. */
  host?: string
  /**
   * TOFU: called for a host the store does not know yet, once the server proved possession of the key; return
   * true to trust (and record) it. Default: trust. Must not throw.
   */
  onNewServerKey?(host: string, fingerprint: string): boolean
  /** Accept any server key: encryption against passive eavesdroppers only. Must be set explicitly. */
  allowUnverified?: boolean
  /** The client's identity, presented when the server asks for client authentication. */
  identity?: IdentityKeyPair
  /** Records per direction before `SequenceExhaustedError`; default DEFAULT_MAX_RECORDS (2^48). */
  maxRecords?: number
}

export type ServerHandshakeState =
  | 'new'
  | 'hello-sent'
  | 'awaiting-client-finished'
  | 'secure'
  | 'plain'
  | 'failed'
export type ClientHandshakeState = 'new' | 'awaiting-finished' | 'secure' | 'plain' | 'failed'

/** What the server does after the HELLO_ACK. */
export type ServerAckResult =
  /** No encryption on this connection: continue as plain 1.6.3. */
  | { status: 'plain' }
  /** Send `finished` as a SECURE frame, then every frame through `channel`. */
  | { status: 'secure'; finished: Uint8Array; channel: SecureChannel }
  /** Send `finished` as a SECURE frame; the client's first SECURE frame goes to `receiveClientFinished`. */
  | { status: 'awaiting-client-finished'; finished: Uint8Array }

/** What the client does after the HELLO. */
export type ClientHelloResult =
  /** Send `ack` as the HELLO_ACK payload and continue as plain 1.6.3. */
  | { status: 'plain'; ack: Uint8Array }
  /** Send `ack` as the HELLO_ACK payload; the server's first SECURE frame goes to `receiveFinished`. */
  | { status: 'awaiting-finished'; ack: Uint8Array }

export interface ClientFinishedResult {
  channel: SecureChannel
  /** The client's Finished (mutual authentication): send it as the first SECURE frame, before anything else. */
  finished: Uint8Array | undefined
}

function ephemeral(): { privateKey: KeyObject; publicKey: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519')
  return { privateKey, publicKey: rawPublicKey(publicKey) }
}

function signed(label: string, th: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(label, 'latin1'), th])
}

function decode(payload: Uint8Array, what: string): HelloPayload {
  try {
    return decodeHelloPayload(payload)
  } catch (cause) {
    throw new SecureHandshakeError(`malformed ${what} payload`, { cause })
  }
}

function checkMaxRecords(n: number | undefined): number {
  const v = n ?? DEFAULT_MAX_RECORDS
  if (!Number.isSafeInteger(v) || v < 2)
    throw new SecureConfigError(`maxRecords must be an integer ≥ 2, got ${n}`)
  return v
}

/** Opens a Finished record (sequence 0 of its direction) and returns its signature. */
function openFinished(cipher: RecordCipher, record: Uint8Array, peer: 'server' | 'client'): Buffer {
  let r: { type: number; plaintext: Buffer }
  try {
    r = cipher.open(record)
  } catch (cause) {
    if (!(cause instanceof DecryptError)) throw cause
    // Keys come from the transcript: a Finished that does not open means the two sides saw different handshakes.
    throw new SecureHandshakeError(
      `the ${peer}'s Finished does not authenticate: the HELLO / HELLO_ACK were altered in transit`,
      { cause },
    )
  }
  if (r.type !== RECORD_FINISHED || r.plaintext.length !== SIGNATURE_SIZE) {
    throw new SecureProtocolError(`expected the ${peer}'s Finished as its first SECURE record`)
  }
  return r.plaintext
}

/**
 * The server side of the secure handshake: `hello` builds the HELLO payload, `receiveAck` consumes the
 * HELLO_ACK payload and says whether the connection is plain or secure, `receiveClientFinished` completes
 * mutual authentication. Any step may throw a `SecureError`: close the connection (the state is then 'failed').
 */
export class ServerHandshake {
  #state: ServerHandshakeState = 'new'
  readonly #identity: IdentityKeyPair
  readonly #policy: OfferedPolicy
  readonly #clientAuth: ClientAuthPolicy
  readonly #trusted: string[]
  readonly #verifyClient: ((k: Uint8Array, fp: string) => boolean) | undefined
  readonly #maxRecords: number
  #eph: { privateKey: KeyObject; publicKey: Uint8Array } | undefined
  #hello: Uint8Array | undefined
  #th: Uint8Array | undefined
  #send: RecordCipher | undefined
  #receive: RecordCipher | undefined
  #clientId: Uint8Array | undefined

  constructor(init: ServerHandshakeInit) {
    if (init.identity === undefined || init.identity.privateKey.asymmetricKeyType !== 'ed25519') {
      throw new SecureConfigError(
        'a server handshake needs an Ed25519 identity (generateIdentity / loadIdentity)',
      )
    }
    this.#identity = init.identity
    this.#policy = init.policy ?? 'optional'
    this.#clientAuth = init.clientAuth ?? 'none'
    this.#trusted = [...(init.trustedClients ?? [])].map(pinToFingerprint)
    this.#verifyClient = init.verifyClient
    this.#maxRecords = checkMaxRecords(init.maxRecords)
    if (this.#clientAuth !== 'none' && this.#trusted.length === 0 && this.#verifyClient === undefined) {
      throw new SecureConfigError(`clientAuth '${this.#clientAuth}' needs trustedClients or verifyClient`)
    }
  }

  get state(): ServerHandshakeState {
    return this.#state
  }

  /**
   * Builds the HELLO payload: `version`, the application's `capabilities` and the encryption entries
   * (`vx.enc`, `vx.enc.kx`, `vx.enc.id`). Remembers the exact bytes for the transcript. Call once.
   * (`offer` + `helloSent` are the same in two steps, for a caller that encodes the HELLO itself.)
   */
  hello(version: string, capabilities?: Capabilities): Uint8Array {
    const caps = new Map(capabilities ?? [])
    this.offer(caps)
    const hello = encodeHelloPayload(version, caps)
    this.helloSent(hello)
    return hello
  }

  /** Adds the encryption entries to `caps` (the HELLO's; none of its keys may use the `vx.enc` prefix). */
  offer(caps: Map<string, Uint8Array>): void {
    this.#expect('new', 'offer')
    if (this.#eph !== undefined) throw new SecureHandshakeError("offer() in state 'new' twice")
    checkReserved(caps)
    this.#eph = ephemeral()
    caps.set(CAP_ENC, encodeEnc(this.#policy, SUITE, CLIENT_AUTH_BYTE[this.#clientAuth]))
    caps.set(CAP_ENC_KX, this.#eph.publicKey)
    caps.set(CAP_ENC_ID, this.#identity.publicKey)
  }

  /** The HELLO payload as sent, after `offer`: its exact bytes open the transcript. */
  helloSent(hello: Uint8Array): void {
    this.#expect('new', 'helloSent')
    if (this.#eph === undefined) throw new SecureHandshakeError('helloSent() before offer()')
    this.#hello = hello
    this.#state = 'hello-sent'
  }

  /**
   * Consumes the client's HELLO_ACK payload (`undefined` when the completing frame was not a HELLO_ACK, as a
   * lenient server may accept from a reference client). Throws `EncryptionRequiredError` (policy 'required'
   * and the client does not encrypt), `DowngradeError` (the client says it saw no offer), `UntrustedKeyError`
   * (client authentication), `SecureHandshakeError` (malformed entries).
   */
  receiveAck(ackPayload: Uint8Array | undefined): ServerAckResult {
    this.#expect('hello-sent', 'receiveAck')
    return this.#guard(() => {
      const ack = ackPayload === undefined ? null : decode(ackPayload, 'HELLO_ACK')
      const enc = readEnc(ack?.capabilities ?? null)
      if (enc === undefined || enc.suite !== SUITE) {
        if (enc !== undefined && enc.suite === 0 && enc.aux === NO_SUITE_NOT_OFFERED) {
          throw new DowngradeError(
            'the client supports encryption but saw no offer in this HELLO: the offer was stripped in transit',
          )
        }
        if (enc !== undefined && enc.suite !== 0) {
          throw new SecureHandshakeError(`the client chose suite ${enc.suite}, which was not offered`)
        }
        if (this.#policy === 'required') {
          throw new EncryptionRequiredError(
            'local',
            'encryption is required but the client does not offer it',
          )
        }
        this.#state = 'plain'
        this.#eph = undefined
        return { status: 'plain' }
      }
      const caps = ack!.capabilities
      const kx = readKey(caps, CAP_ENC_KX)
      if (kx === undefined)
        throw new SecureHandshakeError(`the client chose encryption but sent no ${CAP_ENC_KX}`)
      const clientId = readKey(caps, CAP_ENC_ID)
      const needFinished = this.#clientAuth !== 'none' && clientId !== undefined
      if (this.#clientAuth === 'required' && clientId === undefined) {
        throw new UntrustedKeyError(
          'client',
          undefined,
          'client authentication is required: the client sent no key',
        )
      }
      if (needFinished) {
        const fp = fingerprint(clientId!)
        if (
          !matchesAny(clientId!, this.#trusted) &&
          this.#verifyClient?.(new Uint8Array(clientId!), fp) !== true
        ) {
          throw new UntrustedKeyError('client', fp, `client key ${fp} is not trusted`)
        }
        this.#clientId = clientId
      }
      const shared = x25519(this.#eph!.privateKey, kx)
      this.#eph = undefined
      const th = transcriptHash(this.#hello!, ackPayload!)
      this.#th = th
      const [send, receive] = trafficCiphers(shared, th, 'server', this.#maxRecords)
      this.#send = send
      this.#receive = receive
      const finished = this.#send.seal(
        RECORD_FINISHED,
        sign(null, signed(LABEL_SERVER_FINISHED, th), this.#identity.privateKey),
      )
      if (needFinished) {
        this.#state = 'awaiting-client-finished'
        return { status: 'awaiting-client-finished', finished }
      }
      this.#state = 'secure'
      return { status: 'secure', finished, channel: this.#channel(undefined) }
    })
  }

  /**
   * Consumes the client's Finished (the payload of its first SECURE frame) and returns the channel.
   * Throws `SecureHandshakeError` (the handshakes differ), `BadSignatureError`, `SecureProtocolError`.
   */
  receiveClientFinished(record: Uint8Array): SecureChannel {
    this.#expect('awaiting-client-finished', 'receiveClientFinished')
    return this.#guard(() => {
      const sig = openFinished(this.#receive!, record, 'client')
      const key = ed25519Key(this.#clientId!)
      if (!verify(null, signed(LABEL_CLIENT_FINISHED, this.#th!), key, sig))
        throw new BadSignatureError('client')
      this.#state = 'secure'
      return this.#channel(this.#clientId)
    })
  }

  #channel(peer: Uint8Array | undefined): SecureChannel {
    return new SecureChannel(this.#send!, this.#receive!, {
      role: 'server',
      transcriptHash: this.#th!,
      peerIdentity: peer === undefined ? undefined : new Uint8Array(peer),
    })
  }

  #expect(state: ServerHandshakeState, step: string): void {
    if (this.#state !== state) throw new SecureHandshakeError(`${step}() in state '${this.#state}'`)
  }

  #guard<T>(f: () => T): T {
    try {
      return f()
    } catch (e) {
      this.#state = 'failed'
      this.#eph = undefined
      this.#send?.wipe()
      this.#receive?.wipe()
      throw e
    }
  }
}

/**
 * The client side: `receiveHello` consumes the HELLO payload and builds the HELLO_ACK payload;
 * `receiveFinished` consumes the server's Finished (its first SECURE frame) and returns the channel.
 * Any step may throw a `SecureError`: close the connection (the state is then 'failed').
 */
export class ClientHandshake {
  #state: ClientHandshakeState = 'new'
  readonly #policy: OfferedPolicy
  readonly #pins: string[] | undefined
  readonly #store: TrustStore | undefined
  readonly #host: string
  readonly #onNew: ((host: string, fp: string) => boolean) | undefined
  readonly #identity: IdentityKeyPair | undefined
  readonly #maxRecords: number
  #th: Uint8Array | undefined
  #serverId: Uint8Array | undefined
  #tofuNew = false
  #sendFinished = false
  /** Between `answer` and `ackSent`. */
  #pending: { eph: { privateKey: KeyObject; publicKey: Uint8Array }; kx: Uint8Array } | undefined
  #send: RecordCipher | undefined
  #receive: RecordCipher | undefined

  constructor(init: ClientHandshakeInit = {}) {
    this.#policy = init.policy ?? 'optional'
    if (init.serverKey !== undefined) {
      const list = Array.isArray(init.serverKey) ? init.serverKey : [init.serverKey as KeyPin]
      if (list.length === 0) throw new SecureConfigError('serverKey is an empty list')
      this.#pins = list.map(pinToFingerprint)
    }
    this.#store = init.trustStore
    this.#host = init.host ?? ''
    if (this.#store !== undefined && this.#host === '') throw new SecureConfigError('trustStore needs host')
    this.#onNew = init.onNewServerKey
    if (this.#pins === undefined && this.#store === undefined && init.allowUnverified !== true) {
      throw new SecureConfigError(
        'a client handshake needs serverKey (pinning), trustStore + host (TOFU) or allowUnverified: true',
      )
    }
    if (init.identity !== undefined && init.identity.privateKey.asymmetricKeyType !== 'ed25519') {
      throw new SecureConfigError('the client identity must be an Ed25519 key pair')
    }
    this.#identity = init.identity
    this.#maxRecords = checkMaxRecords(init.maxRecords)
  }

  get state(): ClientHandshakeState {
    return this.#state
  }

  /**
   * Consumes the server's HELLO payload and builds the HELLO_ACK payload (`version`, the application's
   * `capabilities` and the encryption entries). As the plain session does, a HELLO without any capability
   * block gets an ACK without one (the reference's exact bytes). Throws `EncryptionRequiredError`,
   * `UntrustedKeyError` (pin mismatch, key changed since first use), `SecureHandshakeError`.
   * (`answer` + `ackSent` are the same in two steps, for a caller that encodes the HELLO_ACK itself.)
   */
  receiveHello(helloPayload: Uint8Array, version: string, capabilities?: Capabilities): ClientHelloResult {
    this.#expect('new', 'receiveHello')
    const caps = new Map(capabilities ?? [])
    const hello = this.#guard(() => decode(helloPayload, 'HELLO'))
    const status = this.answer(hello.capabilities, caps)
    if (status === 'plain') {
      // A server that sent no block at all (a reference server) gets the reference's exact bytes.
      const block = hello.capabilities === null ? undefined : caps
      return { status, ack: encodeHelloPayload(version, block) }
    }
    const ack = encodeHelloPayload(version, caps)
    this.ackSent(helloPayload, ack)
    return { status, ack }
  }

  /**
   * Reads the capabilities of the server's HELLO (`offered`, null when it had no block) and adds this side's
   * entries to `caps` (the HELLO_ACK's; none of its keys may use the `vx.enc` prefix). 'plain': the
   * connection stays plain 1.6.3; 'awaiting-finished': pass both payloads as sent to `ackSent`, then the
   * server's first SECURE frame to `receiveFinished`. Throws as `receiveHello`.
   */
  answer(offered: Capabilities | null, caps: Map<string, Uint8Array>): ClientHelloResult['status'] {
    this.#expect('new', 'answer')
    return this.#guard(() => {
      const enc = readEnc(offered)
      if (enc === undefined || enc.suite !== SUITE) {
        if (this.#policy === 'required') {
          throw new EncryptionRequiredError(
            'local',
            'encryption is required but the server does not offer it',
          )
        }
        if (enc?.policy === 'required') {
          throw new EncryptionRequiredError(
            'peer',
            `the server requires suite ${enc.suite}, which this side lacks`,
          )
        }
        if (
          this.#pins !== undefined ||
          (this.#store !== undefined && this.#store.get(this.#host) !== undefined)
        ) {
          throw new EncryptionRequiredError(
            'pin',
            'the server offers no encryption but its key is pinned or already trusted: refusing a downgrade',
          )
        }
        this.#state = 'plain'
        if (offered !== null) {
          checkReserved(caps)
          caps.set(
            CAP_ENC,
            encodeEnc(this.#policy, 0, enc === undefined ? NO_SUITE_NOT_OFFERED : NO_SUITE_UNSUPPORTED),
          )
        }
        return 'plain'
      }
      const kx = readKey(offered, CAP_ENC_KX)
      const serverId = readKey(offered, CAP_ENC_ID)
      if (kx === undefined || serverId === undefined) {
        throw new SecureHandshakeError(`the server offers encryption without ${CAP_ENC_KX} and ${CAP_ENC_ID}`)
      }
      this.#checkServerKey(serverId)
      this.#serverId = new Uint8Array(serverId)
      checkReserved(caps)
      const eph = ephemeral()
      caps.set(CAP_ENC, encodeEnc(this.#policy, SUITE, 0))
      caps.set(CAP_ENC_KX, eph.publicKey)
      // The identity only to a server that asks for it: it travels in clear.
      if (enc.aux !== CLIENT_AUTH_BYTE.none && this.#identity !== undefined) {
        caps.set(CAP_ENC_ID, this.#identity.publicKey)
        this.#sendFinished = true
      }
      this.#pending = { eph, kx }
      return 'awaiting-finished'
    })
  }

  /** The HELLO and HELLO_ACK payloads as sent, after `answer` said 'awaiting-finished': the transcript. */
  ackSent(hello: Uint8Array, ack: Uint8Array): void {
    this.#expect('new', 'ackSent')
    const p = this.#pending
    if (p === undefined) throw new SecureHandshakeError('ackSent() before answer()')
    this.#pending = undefined
    this.#guard(() => {
      const shared = x25519(p.eph.privateKey, p.kx)
      const th = transcriptHash(hello, ack)
      this.#th = th
      const [send, receive] = trafficCiphers(shared, th, 'client', this.#maxRecords)
      this.#send = send
      this.#receive = receive
      this.#state = 'awaiting-finished'
    })
  }

  /**
   * Consumes the server's Finished (the payload of its first SECURE frame): checks the signature over the
   * transcript, records a first-use key, and returns the channel (plus the client's Finished to send first,
   * under mutual authentication). Throws `SecureHandshakeError` (the handshakes differ: something was altered
   * in transit), `BadSignatureError`, `UntrustedKeyError` (first-use key refused), `SecureProtocolError`.
   */
  receiveFinished(record: Uint8Array): ClientFinishedResult {
    this.#expect('awaiting-finished', 'receiveFinished')
    return this.#guard(() => {
      const sig = openFinished(this.#receive!, record, 'server')
      const th = this.#th!
      if (!verify(null, signed(LABEL_SERVER_FINISHED, th), ed25519Key(this.#serverId!), sig)) {
        throw new BadSignatureError('server')
      }
      if (this.#tofuNew) {
        const fp = fingerprint(this.#serverId!)
        if (this.#onNew !== undefined && this.#onNew(this.#host, fp) !== true) {
          throw new UntrustedKeyError('server', fp, `new server key ${fp} for ${this.#host} was refused`)
        }
        this.#store!.set(this.#host, fp)
      }
      let finished: Uint8Array | undefined
      if (this.#sendFinished) {
        const s = sign(null, signed(LABEL_CLIENT_FINISHED, th), this.#identity!.privateKey)
        finished = this.#send!.seal(RECORD_FINISHED, s)
      }
      this.#state = 'secure'
      const channel = new SecureChannel(this.#send!, this.#receive!, {
        role: 'client',
        transcriptHash: th,
        peerIdentity: this.#serverId,
      })
      return { channel, finished }
    })
  }

  #checkServerKey(serverId: Uint8Array): void {
    const fp = fingerprint(serverId)
    if (this.#pins !== undefined) {
      if (!matchesAny(serverId, this.#pins)) {
        throw new UntrustedKeyError('server', fp, `server key ${fp} does not match the pinned key`)
      }
      return
    }
    if (this.#store !== undefined) {
      const known = this.#store.get(this.#host)
      if (known === undefined) this.#tofuNew = true
      else if (!matchesAny(serverId, [known])) {
        throw new UntrustedKeyError(
          'server',
          fp,
          `server key for ${this.#host} changed: was ${known}, now ${fp} (possible man in the middle)`,
        )
      }
    }
    // else allowUnverified
  }

  #expect(state: ClientHandshakeState, step: string): void {
    if (this.#state !== state) throw new SecureHandshakeError(`${step}() in state '${this.#state}'`)
  }

  #guard<T>(f: () => T): T {
    try {
      return f()
    } catch (e) {
      this.#state = 'failed'
      this.#send?.wipe()
      this.#receive?.wipe()
      throw e
    }
  }
}

/**
 * The two record ciphers of `role` (send, receive) from the X25519 secret and the transcript hash; the secret
 * and the derived keys are wiped once the ciphers hold them.
 */
function trafficCiphers(
  shared: Uint8Array,
  th: Uint8Array,
  role: 'server' | 'client',
  maxRecords: number,
): [RecordCipher, RecordCipher] {
  const keys = deriveTrafficKeys(shared, th)
  shared.fill(0)
  const s2c = [keys.serverToClientKey, keys.serverToClientIv] as const
  const c2s = [keys.clientToServerKey, keys.clientToServerIv] as const
  const [out, inc] = role === 'server' ? [s2c, c2s] : [c2s, s2c]
  const ciphers: [RecordCipher, RecordCipher] = [
    new RecordCipher(out[0], out[1], maxRecords, 'send'),
    new RecordCipher(inc[0], inc[1], maxRecords, 'receive'),
  ]
  keys.clientToServerKey.fill(0)
  keys.serverToClientKey.fill(0)
  return ciphers
}

/** The application's capabilities may not use the `vx.enc` prefix: it is ours. */
function checkReserved(caps: Capabilities): void {
  for (const k of caps.keys()) {
    if (k === CAP_ENC || k.startsWith(`${CAP_ENC}.`)) {
      throw new SecureConfigError(`application capability '${k}' uses the reserved '${CAP_ENC}' prefix`)
    }
  }
}

function ed25519Key(raw: Uint8Array): KeyObject {
  try {
    return ed25519PublicKeyObject(raw)
  } catch (cause) {
    throw new SecureHandshakeError('the peer identity key is not a valid Ed25519 public key', { cause })
  }
}

/** Starts the server side of the secure handshake (one per connection). */
export function createServerHandshake(init: ServerHandshakeInit): ServerHandshake {
  return new ServerHandshake(init)
}

/** Starts the client side of the secure handshake (one per connection). */
export function createClientHandshake(init: ClientHandshakeInit = {}): ClientHandshake {
  return new ClientHandshake(init)
}
