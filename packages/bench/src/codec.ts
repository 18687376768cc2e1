// The wire codec the baseline uses: the very same frames and CRC-32 as Veltix (`veltix/codec` is
// @veltix/codec), so the baseline differs from Veltix only by what sits above the codec: transport, session,
// routing and the public API.
export { type Frame, FrameDecoder, HEADER_SIZE, writeFrame } from 'veltix/codec'
