import { MessageType, MessageTypeRegistry, Request } from '@veltix/codec'
import { Session } from '@veltix/session'
import type { Connection } from '@veltix/transport'
import { afterEach, describe, expect, it } from 'vitest'
import { connectWebSocket, type WebSocketListener, webSocketListener } from '../src/index.js'
import { waitFor } from './helpers.js'

const CHAT = new MessageType(200, 'chat')

describe('a bare server Session over the WebSocket listener', () => {
  const listeners: WebSocketListener[] = []
  const sessions: Session[] = []

  afterEach(async () => {
    for (const s of sessions.splice(0)) s.destroy()
    await Promise.all(listeners.splice(0).map((l) => l.close()))
  })

  async function start(): Promise<{ url: string; accepted: Session[] }> {
    const registry = new MessageTypeRegistry()
    registry.register(CHAT)
    const accepted: Session[] = []
    const listener = webSocketListener({ port: 0, path: '/veltix' })
    listeners.push(listener)
    const { port } = await listener.listen({
      host: '127.0.0.1',
      maxMessageSize: 10 * 1024 * 1024,
      accept: (conn: Connection) => {
        const s = new Session({
          connection: conn,
          role: 'server',
          registry,
          // Echo every application message with its request id.
          onMessage: (r, session) => session.send(new Request(CHAT, r.content, { requestId: r.requestId })),
        })
        accepted.push(s)
        sessions.push(s)
      },
    })
    return { url: `ws://127.0.0.1:${port}/veltix`, accepted }
  }

  it('runs the HELLO / HELLO_ACK handshake, sendAndWait and ping over one frame per message', async () => {
    const { url, accepted } = await start()
    const conn = await connectWebSocket({ url })
    const client = new Session({ connection: conn, role: 'client', registry: new MessageTypeRegistry() })
    sessions.push(client)
    await client.ready
    expect(client.handshakeDone).toBe(true)
    await waitFor(() => accepted[0]?.handshakeDone === true)

    const reply = await client.sendAndWait(new Request(CHAT, 'hello'), { timeout: 5000 })
    expect(reply?.text()).toBe('hello')
    expect(reply?.latency).toBeGreaterThan(0)
    const rtt = await client.ping({ timeout: 5000 })
    expect(rtt).not.toBeNull()
    expect(client.pendingCount).toBe(0)

    // The server side counts the frames it moved.
    const server = accepted[0]!
    expect(server.connection.stats.framesIn).toBeGreaterThanOrEqual(3) // HELLO_ACK, chat, ping
    expect(server.connection.remoteAddress).toBe('127.0.0.1')

    await client.close()
    await waitFor(() => server.closed, 5000, 'server session closed')
    expect(server.closeInfo?.reason).toBe('remote-end')
  })
})
