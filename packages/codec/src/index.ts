/**
 * @packageDocumentation
 * The Veltix wire codec: frames with a 22-byte header (code u16, size u32, CRC-32 u32, timestamp u64 ms,
 * request id 4 bytes) followed by the payload, byte-identical to Python Veltix 1.6.3.
 *
 * @example
 * ```ts
 * import { FrameDecoder, MessageType, Request, encodeFrame } from '@veltix/codec'
 *
 * const CHAT = new MessageType(200, 'chat')
 * const bytes = new Request(CHAT, 'hi').compile()
 * const decoder = new FrameDecoder({
 *   onFrame: (frame) => console.log(frame.code, Buffer.from(frame.payload).toString()),
 *   onError: (err) => console.error(err.name, err.message),
 * })
 * decoder.push(bytes.subarray(0, 5)) // any chunking
 * decoder.push(bytes.subarray(5))    // -> 200 hi
 * ```
 */
export {
  APPLICATION_CODE_MAX,
  APPLICATION_CODE_MIN,
  CAPABILITY_BLOCK_VERSION,
  CAPABILITY_MAX_BLOCK_SIZE,
  CAPABILITY_MAX_ENTRIES,
  CAPABILITY_MAX_KEY_LENGTH,
  CAPABILITY_MAX_VALUE_LENGTH,
  DEFAULT_MAX_MESSAGE_SIZE,
  HEADER_SIZE,
  MAX_FRAME_SIZE_LIMIT,
  PLUGIN_CODE_MAX,
  PLUGIN_CODE_MIN,
  PROTOCOL_VERSION,
  REQUEST_ID_LENGTH,
  SYSTEM_CODE_MAX,
  SYSTEM_CODE_MIN,
} from './constants.js'
export { crc32 } from './crc32.js'
export {
  ChecksumMismatchError,
  CodecError,
  FrameTooLargeError,
  InvalidHelloPayloadError,
  InvalidMessageTypeError,
  InvalidRequestIdError,
  InvalidTimestampError,
  MalformedFrameError,
  PayloadDecodeError,
  UnknownMessageTypeError,
} from './errors.js'
export {
  type DecodeFrameOptions,
  decodeFrame,
  encodeFrame,
  type Frame,
  type FrameInit,
  frameLength,
  writeFrame,
} from './frame.js'
export { FrameDecoder, type FrameDecoderInit, type FrameDecoderStats } from './frame-decoder.js'
export { type FrameHeader, readFrameHeader, readPayloadSize } from './frame-header.js'
export {
  type Capabilities,
  decodeCapabilities,
  decodeHelloPayload,
  encodeCapabilities,
  encodeHelloPayload,
  type HelloPayload,
  parseVersion,
  versionsCompatible,
} from './hello.js'
export {
  ERROR,
  HEARTBEAT,
  HELLO,
  HELLO_ACK,
  INVALID_REQUEST,
  MessageType,
  type MessageTypeRange,
  MessageTypeRegistry,
  PING,
  PONG,
  rangeOf,
  SYSTEM_TYPES,
} from './message-type.js'
export { decodeJson, decodeUtf8, encodeJson, encodeUtf8, type PayloadInput, toPayload } from './payload.js'
export { Request, type RequestInit } from './request.js'
export {
  nextRequestId,
  requestIdFromBytes,
  requestIdHex,
  requestIdToBytes,
  toRequestId,
} from './request-id.js'
export { Response } from './response.js'
export * from './wire2/index.js'
