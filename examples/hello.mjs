// A small runnable example until the demo apps exist: encode Veltix frames, cut a stream of them into
// arbitrary chunks, and decode them back — the same bytes a Python Veltix 1.6.3 peer writes.
import {
  FrameDecoder,
  MessageType,
  MessageTypeRegistry,
  Request,
  Response,
  decodeHelloPayload,
  encodeHelloPayload,
  HELLO,
} from '../packages/codec/dist/index.js'

const CHAT = new MessageType(200, 'chat')
const registry = new MessageTypeRegistry()
registry.register(CHAT)

const hello = new Request(HELLO, encodeHelloPayload('1.6.3'))
const messages = ['Hello Server!', 'héllo wörld ✓', 'bye'].map((t) => new Request(CHAT, t))
const stream = Buffer.concat([hello, ...messages].map((r) => r.compile()))

const decoder = new FrameDecoder({
  registry,
  onFrame: (frame) => {
    const response = new Response(registry.resolve(frame.code), frame)
    const shown = frame.code === HELLO.code ? `version ${decodeHelloPayload(frame.payload).version}` : response.text()
    console.log(`${response.type.name.padEnd(6)} id=${Buffer.from(response.requestId).toString('hex')} ${shown}`)
  },
  onError: (err) => console.error(`${err.name}: ${err.message}`),
})
// Feed it 5 bytes at a time, as a slow TCP connection might.
for (let i = 0; i < stream.length; i += 5) decoder.push(stream.subarray(i, i + 5))
console.log(`decoded ${decoder.stats.frames} frames from ${stream.length} bytes`)
