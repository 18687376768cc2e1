/** Size of the reference's 2.x / 3.x frame header: magic 2, flags u8, code u16, size u32, CRC-32 4, request id u16. */
export const WIRE2_HEADER_SIZE = 15
/** First byte of every 2.x frame: 'V'. */
export const WIRE2_MAGIC_0 = 0x56
/** Second byte of every 2.x frame: 'X'. */
export const WIRE2_MAGIC_1 = 0x58
/** Largest request id of the 2.x wire (u16). */
export const WIRE2_MAX_REQUEST_ID = 0xffff
/** Largest total frame length the 2.x format can express (15 + u32 max). */
export const WIRE2_MAX_FRAME_SIZE_LIMIT = WIRE2_HEADER_SIZE + 0xffff_ffff
