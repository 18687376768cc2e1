// A client that completes the handshake and then stops reading, while others receive broadcasts: its
// outbound queue stops at the transport's bound (maxQueuedBytes, 32 MiB by default; overflowPolicy 'error'),
// past it the slow one is skipped (broadcast's count and stats().sendQueueFull say so), and the others get everything without a stall.
import net from 'node:net'
import { encodeFrame, encodeHelloPayload, HELLO_ACK } from '@veltix/codec'
import { afterEach, describe, expect, it } from 'vitest'
import { Events, MessageType, Request, type Response, SocketCore } from '../../src/index.js'
import { Fixture, waitFor } from '../helpers.js'

const NEWS = new MessageType(200, 'news')
const SIZE = 32 * 1024
const BATCHES = 100
const PER_BATCH = 15 // 100 × 15 × 32 KiB = 48 MiB to each client: more than the 32 MiB bound

/** Handshakes as the reference client would, then pauses: never reads again. */
async function stalledPeer(port: number): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1')
  s.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    let buf = Buffer.alloc(0)
    s.once('error', reject)
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d])
      if (buf.length < 22) return
      s.off('data', onData)
      s.write(
        encodeFrame({
          code: HELLO_ACK.code,
          payload: encodeHelloPayload('1.6.3'),
          requestId: buf.readUInt32BE(18),
        }),
      )
      s.pause()
      resolve()
    }
    s.on('data', onData)
  })
  return s
}

describe.each([SocketCore.LOOP, SocketCore.WORKER])('a slow consumer on the %s core', (core) => {
  const fx = new Fixture(core)
  const sockets: net.Socket[] = []
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy()
    await fx.close()
  })

  it('is skipped past the bound while the others receive every broadcast', async () => {
    const server = fx.server({ maxWorkers: 1 })
    await server.start()
    const counts = [0, 0]
    for (const i of [0, 1]) {
      const c = fx.client(server, { maxWorkers: 1 })
      c.setCallback(Events.ON_RECV, (r: Response) => {
        if (r.content.length === SIZE) counts[i]!++
      })
      expect(await c.connect()).toBe(true)
    }
    sockets.push(await stalledPeer(server.port))
    await waitFor(() => server.stats().clients === 3, 5000, 'three clients')

    const payload = new Uint8Array(SIZE).fill(7)
    const accepted: number[] = []
    for (let b = 0; b < BATCHES; b++) {
      for (let i = 0; i < PER_BATCH; i++) {
        accepted.push(server.getSender().broadcast(new Request(NEWS, payload), server.getAllClientsSockets()))
      }
      await new Promise((r) => setTimeout(r, 5)) // let the readers drain; the stalled one never does
    }
    const total = BATCHES * PER_BATCH
    await waitFor(() => counts[0] === total && counts[1] === total, 30_000, 'every broadcast at both readers')
    // the slow one took frames until its queue (plus the kernel's buffers) was full, then was skipped
    const skipped = accepted.filter((n) => n === 2).length
    expect(accepted.every((n) => n === 2 || n === 3)).toBe(true)
    expect(skipped).toBeGreaterThan(0)
    // what it was given is bounded: at most maxQueuedBytes (32 MiB) queued + the kernel's socket buffers
    const given = (total - skipped) * (SIZE + 22)
    expect(given).toBeLessThan(32 * 1024 * 1024 + 16 * 1024 * 1024)
    expect(server.stats().clients).toBe(3) // policy 'error': skipped, not closed
    // none silent: every skip is counted in stats(), on the server and on the slow one's ClientInfo
    expect(server.stats().sendQueueFull).toBe(skipped)
    const slow = server.getAllClients().find((c) => c.stats().sendQueueFull > 0)
    expect(slow?.stats().sendQueueFull).toBe(skipped)
    expect(server.stats().messagesOut).toBe(accepted.reduce((a, n) => a + n, 0))
  }, 60_000)
})
