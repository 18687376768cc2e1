/** Size of the fixed frame header: code u16, size u32, crc32 u32, timestamp u64, request id 4 bytes. */
export const HEADER_SIZE = 22
/** Length of a request id in bytes. */
export const REQUEST_ID_LENGTH = 4
/** Default limit on a frame's total length (header + payload), as the reference: 10 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 10 * 1024 * 1024
/** Largest total frame length the format can express (22 + u32 max). */
export const MAX_FRAME_SIZE_LIMIT = HEADER_SIZE + 0xffff_ffff
/** Protocol version announced in HELLO / HELLO_ACK by default (the Python reference's). */
export const PROTOCOL_VERSION = '1.6.3'

/** Conventional ranges of type codes. */
export const SYSTEM_CODE_MIN = 0
export const SYSTEM_CODE_MAX = 199
export const APPLICATION_CODE_MIN = 200
export const APPLICATION_CODE_MAX = 499
export const PLUGIN_CODE_MIN = 500
export const PLUGIN_CODE_MAX = 65535

/** Capability block in HELLO / HELLO_ACK (see README "Capability block"). */
export const CAPABILITY_MAGIC_0 = 0x56 // 'V'
export const CAPABILITY_MAGIC_1 = 0x58 // 'X'
export const CAPABILITY_BLOCK_VERSION = 1
export const CAPABILITY_MAX_ENTRIES = 32
export const CAPABILITY_MAX_KEY_LENGTH = 64
export const CAPABILITY_MAX_VALUE_LENGTH = 1024
export const CAPABILITY_MAX_BLOCK_SIZE = 4096
