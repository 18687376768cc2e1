import { HandshakeError, ServerRefusedError, SessionError } from '../errors.js'

/**
 * Client, 2.x wire: the server answered `{"error": "server_full"}` instead of its hello (a 3.x server at its
 * connection limit, or ours) and closed. A `ServerRefusedError`, so the `Reconnector` retries it like one.
 */
export class ServerFullError extends ServerRefusedError {
  constructor() {
    super('server_full')
    this.name = 'ServerFullError'
    this.code = 'VELTIX_ERR_SERVER_FULL'
  }
}

/**
 * A 2.x handshake message is malformed: a zero or over-the-cap length prefix, bytes that are not UTF-8 JSON,
 * JSON that is not an object, or an object without what that step needs (a `v` / `pv`, a `result`).
 */
export class HandshakeMessageError extends HandshakeError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'HandshakeMessageError'
    this.code = 'VELTIX_ERR_HANDSHAKE_MESSAGE'
  }
}

/** Client, `protocol: 'auto'`: the server's first bytes are neither a 1.6.3 HELLO nor a 2.x JSON message. */
export class UnknownWireError extends HandshakeError {
  constructor(readonly firstBytes: string) {
    super(
      `the server's first bytes (${firstBytes}) are neither a Veltix 1.6.3 HELLO (000a00…) nor a 2.x handshake message (LLLL7b…)`,
    )
    this.name = 'UnknownWireError'
    this.code = 'VELTIX_ERR_UNKNOWN_WIRE'
  }
}

/**
 * Every 16-bit request id this side may use is waiting for its reply: nothing can be sent that expects one
 * until a reply arrives or a wait times out. Nothing was sent.
 */
export class RequestIdsExhaustedError extends SessionError {
  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    super(`all ${max - min + 1} request ids of [${min}, ${max}] are waiting for replies: none free to send`)
    this.name = 'RequestIdsExhaustedError'
    this.code = 'VELTIX_ERR_REQUEST_IDS_EXHAUSTED'
  }
}
