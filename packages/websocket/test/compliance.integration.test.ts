// The transport's connection compliance suite (one suite for every Connection implementation: loop core,
// worker core, TLS, in-memory pair), run against a WebSocket pair: `connectWebSocket` on one end, the
// connection `webSocketListener` accepted on the other.
import type { Connection } from '@veltix/transport'
import {
  type ConnectionFactory,
  connectionCompliance,
  type OpenedPair,
} from '../../transport/test/compliance/connection-suite.js'
import { connectWebSocket, webSocketListener } from '../src/index.js'
import { waitFor } from './helpers.js'

// One WebSocket message is one whole frame: partial frames cannot be sent (sendEncoded refuses them), and a
// bad CRC closes the connection (1007) instead of dropping the frame (see the README, "Bad input"). The bad
// CRC, unknown type and oversized-header cases are tested for WebSocket in listener.integration.test.ts.
const WHOLE_FRAMES =
  'a WebSocket message carries exactly one whole frame (sendEncoded refuses partial frames)'
const webSocketPairs: ConnectionFactory = {
  name: 'WebSocket (listener + connectWebSocket)',
  notApplicable: {
    'reassembles frames that arrive a byte at a time': WHOLE_FRAMES,
    "a frame over maxMessageSize is fatal: FrameTooLargeError, close reason 'protocol-error'": WHOLE_FRAMES,
    'a close in the middle of a frame: the whole frames before it arrive, then remote-end': WHOLE_FRAMES,
    'reports bad CRC and unknown codes, drops only those frames, counts them':
      'a bad CRC closes a WebSocket connection with 1007 (issue 15) instead of dropping the frame',
  },
  async open(options = {}): Promise<OpenedPair> {
    const { maxMessageSize, registry, ...queue } = options
    const listener = webSocketListener({ port: 0, ...queue })
    let b: Connection | undefined
    const { port } = await listener.listen({
      host: '127.0.0.1',
      maxMessageSize: maxMessageSize ?? 10 * 1024 * 1024,
      registry,
      accept: (conn) => {
        b = conn // no handler: the suite sets it
      },
    })
    try {
      const a = await connectWebSocket({ url: `ws://127.0.0.1:${port}/`, ...options })
      await waitFor(() => b !== undefined, 10_000, 'accepted connection')
      return { a, b: b!, dispose: () => listener.close() }
    } catch (err) {
      await listener.close()
      throw err
    }
  },
}

connectionCompliance(webSocketPairs)
