// metrics(): Prometheus metrics through prom-client, read back from a registry of the test's own.
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { MessageType, Permission, Request, SocketCore, VeltixBasePlugin } from '../../src/index.js'
import { metrics } from '../../src/plugins/index.js'
import { Fixture, waitFor } from '../helpers.js'

const CHAT = new MessageType(200, 'chat')
const FILE = new MessageType(201, 'file')

function value(text: string, line: string): number {
  const m = text.split('\n').find((l) => l.startsWith(`${line} `))
  return m === undefined ? Number.NaN : Number(m.slice(line.length + 1))
}

describe.each([SocketCore.LOOP])('metrics() on the %s core', (core) => {
  const fx = new Fixture(core)
  afterEach(() => fx.close())

  it('connections, handshakes, messages and bytes by type, sent totals, errors by code, plugin errors', async () => {
    const registry = new Registry()
    const server = fx.server({ maxMessageSize: 4096 })
    expect(server.registerPlugin(metrics({ registry }))).toBe(true)
    server.registerPlugin(
      new (class extends VeltixBasePlugin {
        readonly name = 'broken'
        override readonly permissions = [Permission.MESSAGES]
        override onMessage() {
          throw new Error('broken plugin')
        }
      })(),
    )
    server.registerMessageType(CHAT)
    server.registerMessageType(FILE)
    server.onRecv((c, r) => c.send(new Request(r.type, r.content)))
    await server.start()
    const client = fx.client(server)
    let echoes = 0
    client.onRecv(() => echoes++)
    await client.connect()
    await waitFor(() => server.stats().clients === 1)
    client.send(new Request(CHAT, 'hello'))
    client.send(new Request(CHAT, 'hi'))
    client.send(new Request(FILE, 'x'.repeat(100)))
    await waitFor(() => echoes === 3, 5000, 'echoes')

    const text = await registry.metrics()
    expect(value(text, 'veltix_connections')).toBe(1)
    expect(value(text, 'veltix_handshakes_total')).toBe(1)
    expect(value(text, 'veltix_messages_received_total{type="chat"}')).toBe(2)
    expect(value(text, 'veltix_messages_received_total{type="file"}')).toBe(1)
    expect(value(text, 'veltix_bytes_received_total{type="chat"}')).toBe(22 + 5 + 22 + 2)
    expect(value(text, 'veltix_bytes_received_total{type="file"}')).toBe(22 + 100)
    expect(value(text, 'veltix_messages_sent_total')).toBe(server.stats().messagesOut)
    expect(value(text, 'veltix_bytes_sent_total')).toBe(server.stats().bytesOut)
    expect(value(text, 'veltix_plugin_errors_total')).toBe(server.stats().pluginErrors)
    expect(server.stats().pluginErrors).toBeGreaterThanOrEqual(1)

    // A connection that ends with an error is counted by its code.
    // An oversized frame: the server closes the connection with a typed error.
    client.send(new Request(CHAT, 'x'.repeat(8000)))
    await waitFor(() => server.stats().clients === 0)
    const after = await registry.metrics()
    expect(value(after, 'veltix_connections')).toBe(0)
    expect(after).toMatch(/veltix_errors_total\{code="[A-Z_]+"\} 1/)
  })
})
