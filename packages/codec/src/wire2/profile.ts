import { HEADER_SIZE } from '../constants.js'
import type { CodecError } from '../errors.js'
import { writeFrame } from '../frame.js'
import { FrameDecoder, type FrameDecoderInit, type FrameDecoderStats } from '../frame-decoder.js'
import { WIRE2_HEADER_SIZE } from './constants.js'
import { writeWire2Frame } from './frame.js'
import { Wire2FrameDecoder } from './frame-decoder.js'

/** What a transport needs of a streaming decoder: `FrameDecoder` and `Wire2FrameDecoder` both are one. */
export interface FrameStreamDecoder {
  push(chunk: Uint8Array): boolean
  reset(): void
  readonly bufferedBytes: number
  readonly error: CodecError | undefined
  readonly stats: FrameDecoderStats
  readonly maxMessageSize: number
}

/**
 * One frame format, as a transport uses it: its header size, a streaming decoder, a writer. `FRAME_PROFILE_1_6`
 * (the 22-byte frame, the default) and `FRAME_PROFILE_2` (the reference's 2.x / 3.x 15-byte frame). The 2.x
 * writer ignores `timestamp` (the format has none) and refuses ids over u16.
 */
export interface FrameProfile {
  readonly name: '1.6' | '2'
  readonly headerSize: number
  createDecoder(init: FrameDecoderInit): FrameStreamDecoder
  writeFrame(
    target: Uint8Array,
    offset: number,
    code: number,
    requestId: number,
    payload: Uint8Array,
    timestamp: number,
  ): number
}

export const FRAME_PROFILE_1_6: FrameProfile = Object.freeze({
  name: '1.6',
  headerSize: HEADER_SIZE,
  createDecoder: (init: FrameDecoderInit) => new FrameDecoder(init),
  writeFrame: (t: Uint8Array, o: number, code: number, id: number, p: Uint8Array, ts: number) =>
    writeFrame(t, o, code, id, p, ts),
})

export const FRAME_PROFILE_2: FrameProfile = Object.freeze({
  name: '2',
  headerSize: WIRE2_HEADER_SIZE,
  createDecoder: (init: FrameDecoderInit) => new Wire2FrameDecoder(init),
  writeFrame: (t: Uint8Array, o: number, code: number, id: number, p: Uint8Array) =>
    writeWire2Frame(t, o, code, id, p),
})
