// The wire codec the baseline uses: the very same frames and CRC-32 as Veltix, so the baseline differs from
// Veltix only by what sits above the codec (transport, session, routing, API).
// TEMPORARY: relative import until `veltix` re-exports the codec.
export { type Frame, FrameDecoder, HEADER_SIZE, writeFrame } from '../../codec/src/index.js'
