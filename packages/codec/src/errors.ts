/**
 * Base class of every error the codec reports. Match on the subclass (`instanceof`) or on the stable string
 * `code` (`'VELTIX_ERR_…'`, Node's convention; it never changes between releases), not on the message.
 */
export class CodecError extends Error {
  /** Stable identifier of the condition (one per class). */
  readonly code: string = 'VELTIX_ERR_CODEC'
  /** True when the stream cannot continue after this error (the decoder refuses further input). */
  readonly fatal: boolean = false
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'CodecError'
  }
}

/** A frame's payload does not match the CRC-32 in its header. The frame is skipped; decoding continues. */
export class ChecksumMismatchError extends CodecError {
  override readonly code = 'VELTIX_ERR_CHECKSUM_MISMATCH'
  constructor(
    /** The frame's message type code. */
    readonly messageCode: number,
    readonly size: number,
    readonly expected: number,
    readonly actual: number,
    readonly requestId: number,
  ) {
    super(
      `checksum mismatch on frame code ${messageCode} (size ${size}): header says ${hex32(expected)}, payload is ${hex32(actual)}`,
    )
    this.name = 'ChecksumMismatchError'
  }
}

/** A frame's type code is not in the registry in use. The frame is skipped; decoding continues. */
export class UnknownMessageTypeError extends CodecError {
  override readonly code = 'VELTIX_ERR_UNKNOWN_MESSAGE_TYPE'
  constructor(
    /** The frame's (unknown) message type code. */
    readonly messageCode: number,
    readonly size: number,
    readonly requestId: number,
  ) {
    super(
      `unknown message type code ${messageCode} (frame size ${size}): not in the registry in use, frame dropped`,
    )
    this.name = 'UnknownMessageTypeError'
  }
}

/** A frame's size field exceeds `maxMessageSize`. Fatal: detected from the header before any payload is buffered. */
export class FrameTooLargeError extends CodecError {
  override readonly code = 'VELTIX_ERR_FRAME_TOO_LARGE'
  override readonly fatal = true
  constructor(
    /** The frame's message type code. */
    readonly messageCode: number,
    readonly frameSize: number,
    readonly limit: number,
    headerSize = 22, // 15 for the 2.x profile
  ) {
    super(
      `frame too large: code ${messageCode} declares a total of ${frameSize} bytes (${headerSize}-byte header + payload), over the limit of ${limit} bytes`,
    )
    this.name = 'FrameTooLargeError'
  }
}

/** A buffer given to `decodeFrame` is not exactly one complete frame. */
export class MalformedFrameError extends CodecError {
  override readonly code = 'VELTIX_ERR_MALFORMED_FRAME'
  constructor(message: string) {
    super(message)
    this.name = 'MalformedFrameError'
  }
}

/** A request id was given with a length other than 4 bytes, or a number outside u32. */
export class InvalidRequestIdError extends CodecError {
  override readonly code = 'VELTIX_ERR_INVALID_REQUEST_ID'
  constructor(detail: string) {
    super(`invalid request id: ${detail}; a request id is exactly 4 bytes (a u16 on the 2.x wire)`)
    this.name = 'InvalidRequestIdError'
  }
}

/** A frame timestamp is not an integer number of milliseconds from 0 to Number.MAX_SAFE_INTEGER. */
export class InvalidTimestampError extends CodecError {
  override readonly code = 'VELTIX_ERR_INVALID_TIMESTAMP'
  constructor(readonly timestamp: number) {
    super(
      `invalid frame timestamp ${timestamp}: must be an integer number of ms from 0 to ${Number.MAX_SAFE_INTEGER}`,
    )
    this.name = 'InvalidTimestampError'
  }
}

/** A message type code or name is invalid, or a registry already holds another type with that code. */
export class InvalidMessageTypeError extends CodecError {
  override readonly code = 'VELTIX_ERR_INVALID_MESSAGE_TYPE'
  constructor(message: string) {
    super(message)
    this.name = 'InvalidMessageTypeError'
  }
}

/** A HELLO / HELLO_ACK payload (version text or capability block) is malformed. */
export class InvalidHelloPayloadError extends CodecError {
  override readonly code = 'VELTIX_ERR_INVALID_HELLO_PAYLOAD'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'InvalidHelloPayloadError'
  }
}

/** A payload could not be decoded as the caller asked (UTF-8 / JSON). */
export class PayloadDecodeError extends CodecError {
  override readonly code = 'VELTIX_ERR_PAYLOAD_DECODE'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'PayloadDecodeError'
  }
}

/** @internal */
export function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0')
}
