import { TransportError } from '@veltix/transport'
import { CloseCode } from './constants.js'

/**
 * Base class of what a WebSocket connection is closed for. `code` is stable (`VELTIX_ERR_WS_…`), `closeCode`
 * is the WebSocket close code the peer was sent. Reported as `CloseInfo.error` with reason `'protocol-error'`
 * (origin refusals through the listener's `onRefused`).
 */
export class WebSocketListenerError extends TransportError {
  override readonly code: string
  readonly closeCode: number
  constructor(code: string, closeCode: number, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'WebSocketListenerError'
    this.code = code
    this.closeCode = closeCode
  }
}

/** A text message arrived: Veltix frames travel in binary messages only. Close code 1003. */
export class TextMessageError extends WebSocketListenerError {
  constructor(length: number) {
    super(
      'VELTIX_ERR_WS_TEXT_MESSAGE',
      CloseCode.UNSUPPORTED_DATA,
      `a text message (${length} bytes) arrived: each WebSocket message must be one binary Veltix frame`,
    )
    this.name = 'TextMessageError'
  }
}

/** A binary message is not exactly one Veltix frame (shorter than its header says, longer, or under 22 bytes). Close code 1007. */
export class NotOneFrameError extends WebSocketListenerError {
  constructor(detail: string, options?: ErrorOptions) {
    super(
      'VELTIX_ERR_WS_NOT_ONE_FRAME',
      CloseCode.INVALID_PAYLOAD,
      `a WebSocket message must carry exactly one whole Veltix frame: ${detail}`,
      options,
    )
    this.name = 'NotOneFrameError'
  }
}

/** The frame in a message fails its CRC-32 (`cause`: the codec's `ChecksumMismatchError`). Close code 1007. */
export class FrameChecksumError extends WebSocketListenerError {
  constructor(detail: string, options?: ErrorOptions) {
    super('VELTIX_ERR_WS_CHECKSUM', CloseCode.INVALID_PAYLOAD, detail, options)
    this.name = 'FrameChecksumError'
  }
}

/**
 * A message over `maxPayload` (refused by `ws` from the WebSocket header, before it is buffered) or a frame
 * over the server's `maxMessageSize`. Close code 1009.
 */
export class MessageTooLargeError extends WebSocketListenerError {
  constructor(detail: string, options?: ErrorOptions) {
    super('VELTIX_ERR_WS_MESSAGE_TOO_LARGE', CloseCode.MESSAGE_TOO_BIG, detail, options)
    this.name = 'MessageTooLargeError'
  }
}

/** The upgrade request's `Origin` is not in `allowedOrigins`. Close code 1008; the connection never reaches the server. */
export class OriginNotAllowedError extends WebSocketListenerError {
  constructor(readonly origin: string) {
    super(
      'VELTIX_ERR_WS_ORIGIN',
      CloseCode.POLICY_VIOLATION,
      `origin ${JSON.stringify(origin)} is not allowed`,
    )
    this.name = 'OriginNotAllowedError'
  }
}

/**
 * The peer broke the WebSocket protocol itself (bad opcode, unmasked client frame, invalid UTF-8 in a close
 * reason…), as found by `ws`: `wsCode` is its `WS_ERR_…` code, `closeCode` the one it sent (usually 1002).
 */
export class WebSocketProtocolError extends WebSocketListenerError {
  constructor(
    readonly wsCode: string,
    closeCode: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super('VELTIX_ERR_WS_PROTOCOL', closeCode, `WebSocket protocol error: ${message} (${wsCode})`, options)
    this.name = 'WebSocketProtocolError'
  }
}
