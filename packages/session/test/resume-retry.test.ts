import { MessageTypeRegistry } from '@veltix/codec'
import { afterEach, describe, expect, it } from 'vitest'
import { type DisconnectState, Reconnector } from '../src/index.js'
import { FakeServer } from './helpers/fake-server.js'

const clients: Reconnector[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) await c.disconnect()
})

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 2))
  }
}

describe('retry: -1 (forever)', () => {
  it('keeps trying past any count, never permanent, and connects once the server is back', async () => {
    const server = new FakeServer(new MessageTypeRegistry())
    server.up = false
    const states: DisconnectState[] = []
    const client = new Reconnector({
      dial: server.dial,
      retry: -1,
      retryDelay: 1,
      onDisconnect: (s) => states.push(s),
    })
    clients.push(client)
    expect(client.retryMax).toBe(Number.POSITIVE_INFINITY)
    const connected = client.connect()
    await until(() => server.dials >= 60)
    expect(states.every((s) => !s.permanent)).toBe(true)
    server.up = true
    await connected
    expect(client.state).toBe('connected')
    // and a drop afterwards is retried as well
    server.up = false
    server.crash()
    await until(() => states.length > 0 && states.at(-1)!.attempt >= 5)
    expect(states.every((s) => !s.permanent)).toBe(true)
    server.up = true
    await until(() => client.state === 'connected')
    server.crash()
  })

  it('caps the backoff: the delay never exceeds maxDelay, however many attempts', () => {
    const client = new Reconnector({
      dial: async () => {
        throw new Error('unused')
      },
      retry: -1,
      retryDelay: 100,
      backoff: { factor: 2, maxDelay: 5000, jitter: 0 },
    })
    expect(client.delayFor(1)).toBe(100)
    expect(client.delayFor(3)).toBe(400)
    for (const n of [20, 1100, 1e6]) expect(client.delayFor(n)).toBe(5000)
    const zero = new Reconnector({
      dial: async () => {
        throw new Error('unused')
      },
      retry: -1,
      retryDelay: 0,
      backoff: { factor: 2, maxDelay: 5000 },
    })
    expect(zero.delayFor(2000)).toBe(0)
  })

  it('retry({ max: -1 }) switches to forever', async () => {
    const server = new FakeServer(new MessageTypeRegistry())
    const client = new Reconnector({ dial: server.dial, retry: 0 })
    clients.push(client)
    expect(client.retryMax).toBe(0)
    expect(await client.retry({ max: -1 })).toBe(true)
    expect(client.retryMax).toBe(Number.POSITIVE_INFINITY)
    server.crash()
  })
})
