import { SessionError } from '../errors.js'

/** Base class of the secure channel's errors; every one of them means "close the connection". */
export class SecureError extends SessionError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SecureError'
    this.code = 'VELTIX_ERR_SECURE'
  }
}

/** Bad configuration given to a handshake factory or key helper (not a peer's fault). */
export class SecureConfigError extends SecureError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SecureConfigError'
    this.code = 'VELTIX_ERR_SECURE_CONFIG'
  }
}

/**
 * Encryption is required but will not happen: `requiredBy` says who required it — `'local'` (this side's
 * `encryption: 'required'`), `'peer'` (the peer announced `required` and this side cannot comply) or `'pin'`
 * (a client with a pinned or already-trusted server key met a server that offered no encryption: a downgrade).
 */
export class EncryptionRequiredError extends SecureError {
  constructor(
    readonly requiredBy: 'local' | 'peer' | 'pin',
    message: string,
  ) {
    super(message)
    this.name = 'EncryptionRequiredError'
    this.code = 'VELTIX_ERR_ENCRYPTION_REQUIRED'
  }
}

/** The handshake carries evidence that a capability was stripped or altered on the way. */
export class DowngradeError extends SecureError {
  constructor(message: string) {
    super(message)
    this.name = 'DowngradeError'
    this.code = 'VELTIX_ERR_DOWNGRADE'
  }
}

/** A malformed or inconsistent encryption capability, or a handshake step taken out of order. */
export class SecureHandshakeError extends SecureError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SecureHandshakeError'
    this.code = 'VELTIX_ERR_SECURE_HANDSHAKE'
  }
}

/**
 * The peer's identity key is not the expected one: pin mismatch, key changed since first use, refused by the
 * TOFU callback, or (server side) a client key that is missing or not trusted.
 */
export class UntrustedKeyError extends SecureError {
  constructor(
    readonly peer: 'server' | 'client',
    readonly fingerprint: string | undefined,
    message: string,
  ) {
    super(message)
    this.name = 'UntrustedKeyError'
    this.code = 'VELTIX_ERR_UNTRUSTED_KEY'
  }
}

/** A Finished signature does not verify over the transcript (tampered handshake or wrong private key). */
export class BadSignatureError extends SecureError {
  constructor(readonly peer: 'server' | 'client') {
    super(`the ${peer}'s signature over the handshake transcript does not verify`)
    this.name = 'BadSignatureError'
    this.code = 'VELTIX_ERR_BAD_SIGNATURE'
  }
}

/** A record failed authentication (tampered, truncated, forged, or sealed under other keys) or is malformed. */
export class DecryptError extends SecureError {
  constructor(
    readonly sequence: number,
    message = `record ${sequence} failed authentication`,
  ) {
    super(message)
    this.name = 'DecryptError'
    this.code = 'VELTIX_ERR_DECRYPT'
  }
}

/** A record that was already received arrived again (it authenticates under an earlier sequence number). */
export class ReplayError extends DecryptError {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(expected, `replayed record: sequence ${actual} was already received, expected ${expected}`)
    this.name = 'ReplayError'
    this.code = 'VELTIX_ERR_REPLAY'
  }
}

/** A record from later in the stream arrived early: the ones before it were dropped or reordered. */
export class ReorderError extends DecryptError {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(expected, `out-of-order record: got sequence ${actual}, expected ${expected}`)
    this.name = 'ReorderError'
    this.code = 'VELTIX_ERR_REORDER'
  }
}

/** The direction's record counter reached its limit (`maxRecords`); the connection must close. */
export class SequenceExhaustedError extends SecureError {
  constructor(
    readonly direction: 'send' | 'receive',
    readonly limit: number,
  ) {
    super(`${direction} sequence reached its limit of ${limit} records: close the connection`)
    this.name = 'SequenceExhaustedError'
    this.code = 'VELTIX_ERR_SEQUENCE_EXHAUSTED'
  }
}

/** An authenticated record that is not allowed here (a Finished after the handshake, data after close). */
export class SecureProtocolError extends SecureError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SecureProtocolError'
    this.code = 'VELTIX_ERR_SECURE_PROTOCOL'
  }
}

/** `seal` after this side sent close-notify, or `open` after the peer's close-notify. */
export class ChannelClosedError extends SecureError {
  constructor(readonly direction: 'send' | 'receive') {
    super(
      direction === 'send'
        ? 'secure channel: close-notify already sent, nothing more may be sealed'
        : 'secure channel: the peer sent close-notify, nothing more may follow',
    )
    this.name = 'ChannelClosedError'
    this.code = 'VELTIX_ERR_CHANNEL_CLOSED'
  }
}

/**
 * The connection ended (the peer's FIN) without the peer's close-notify record: the stream may have been cut
 * short by someone in between. Reported as the `error` of the session's close (reason 'remote-end').
 */
export class TruncatedStreamError extends SecureError {
  constructor(readonly received: number) {
    super(
      `the encrypted stream ended after ${received} records without the peer's close-notify: possibly truncated`,
    )
    this.name = 'TruncatedStreamError'
    this.code = 'VELTIX_ERR_TRUNCATED_STREAM'
  }
}
