export {
  WIRE2_HEADER_SIZE,
  WIRE2_MAGIC_0,
  WIRE2_MAGIC_1,
  WIRE2_MAX_FRAME_SIZE_LIMIT,
  WIRE2_MAX_REQUEST_ID,
} from './constants.js'
export { BadMagicError } from './errors.js'
export {
  checkWire2MaxMessageSize,
  decodeWire2Frame,
  encodeWire2Frame,
  type Wire2Frame,
  type Wire2FrameInit,
  wire2FrameLength,
  writeWire2Frame,
} from './frame.js'
export { Wire2FrameDecoder, type Wire2FrameDecoderInit } from './frame-decoder.js'
export { FRAME_PROFILE_1_6, FRAME_PROFILE_2, type FrameProfile, type FrameStreamDecoder } from './profile.js'
