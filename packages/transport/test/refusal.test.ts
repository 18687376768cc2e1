import { decodeFrame, ERROR } from '@veltix/codec'
import { describe, expect, it } from 'vitest'
import { createConnectionPair, refuseConnection } from '../src/index.js'
import { encodeRefusal } from '../src/internal.js'
import { Recorder } from './helpers.js'

describe('refusal ERROR frames', () => {
  it('encodeRefusal: one ERROR frame, request id 0, the reason as UTF-8', () => {
    const f = decodeFrame(encodeRefusal('server full: ü'))
    expect(f.code).toBe(ERROR.code)
    expect(f.requestId).toBe(0)
    expect(Buffer.from(f.payload).toString('utf8')).toBe('server full: ü')
  })

  it('refuseConnection: the peer gets the ERROR frame, then the close; input is discarded', async () => {
    const [a, b] = createConnectionPair()
    const ra = new Recorder(a).attach()
    a.send(200, 1, Buffer.from('hello?'))
    await refuseConnection(b, 'connection refused: too many')
    const info = await ra.closed
    expect(info.reason).toBe('remote-end')
    expect(ra.frames.map((f) => [f.code, f.requestId, Buffer.from(f.payload).toString()])).toEqual([
      [ERROR.code, 0, 'connection refused: too many'],
    ])
    expect(b.stats.framesIn).toBe(0)
  })
})
