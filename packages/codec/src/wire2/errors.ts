import { CodecError } from '../errors.js'

/**
 * A 2.x frame does not start with the magic "VX". Fatal: the stream is out of step (or is not a 2.x stream at
 * all), and the reference's resync — scanning for the next "VX", through payloads — can deliver a frame that
 * was only ever payload bytes, so the decoder stops instead.
 */
export class BadMagicError extends CodecError {
  override readonly code = 'VELTIX_ERR_BAD_MAGIC'
  override readonly fatal = true
  constructor(
    /** The two bytes found where "VX" (0x5658) was expected, as a u16. */
    readonly found: number,
  ) {
    super(`bad frame magic 0x${found.toString(16).padStart(4, '0')}: a 2.x frame starts with "VX" (0x5658)`)
    this.name = 'BadMagicError'
  }
}
