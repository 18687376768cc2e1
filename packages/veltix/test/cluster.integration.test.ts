import { afterEach, describe, expect, it } from 'vitest'
import {
  type ClusterAdapter,
  ClusterUnavailableError,
  ConfigError,
  Events,
  MessageType,
  Request,
  SocketCore,
  UnknownClientError,
} from '../src/index.js'
import { Fixture, waitFor } from './helpers.js'

const CHAT = new MessageType(200, 'chat')
const fx = new Fixture(SocketCore.LOOP)
afterEach(() => fx.close())

async function connected(server: ReturnType<Fixture['server']>, room?: string) {
  const before = server.getAllClients().length
  const c = fx.client(server)
  const got: string[] = []
  c.setCallback(Events.ON_RECV, (r) => got.push(r.text()))
  c.route(CHAT, (r) => {
    if (r.text().startsWith('q:')) c.getSender().send(new Request(CHAT, `a:${r.text()}`, { requestId: r.id }))
    else got.push(r.text())
  })
  expect(await c.connect()).toBe(true)
  await waitFor(() => server.getAllClients().length === before + 1)
  const info = server.getAllClients().at(-1)!
  if (room !== undefined) info.setTag('room', room)
  return { c, got, info }
}

// Without an adapter, server.cluster is a cluster of one node: the same calls, all local, no broker.
describe('server.cluster without an adapter (one node)', () => {
  it('ids, nodes(), broadcast with filters, fetchClients, send, sendAndWait, emit', async () => {
    const server = fx.server()
    await server.start()
    expect(server.nodeId).toMatch(/^[0-9a-f]{12}$/)
    expect(server.cluster.available).toBe(true)
    const a = await connected(server, 'red')
    const b = await connected(server, 'blue')
    const c = await connected(server, 'red')
    expect(new Set([a, b, c].map((x) => x.info.id)).size).toBe(3)
    for (const x of [a, b, c]) expect(x.info.id.startsWith(`${server.nodeId}-`)).toBe(true)

    const nodes = await server.cluster.nodes()
    expect(nodes).toEqual([{ nodeId: server.nodeId, clients: 3, since: expect.any(Number) }])

    expect(await server.cluster.broadcast(new Request(CHAT, 'all'))).toBe(1)
    expect(
      await server.cluster.broadcast(new Request(CHAT, 'reds'), { tag: ['room', 'red'], except: [c.info] }),
    )
    expect(
      await server.cluster.broadcast(new Request(CHAT, 'tagged'), { tag: ['room'], except: [b.info.id] }),
    )
    await waitFor(() => a.got.length === 3 && c.got.length === 2 && b.got.length === 1)
    expect(a.got).toEqual(['all', 'reds', 'tagged'])
    expect(b.got).toEqual(['all'])
    expect(c.got).toEqual(['all', 'tagged'])

    const reds = await server.cluster.fetchClients({ tag: ['room', 'red'] })
    expect(reds.map((x) => x.id)).toEqual([a.info.id, c.info.id])
    expect(reds[0]).toEqual({
      id: a.info.id,
      nodeId: server.nodeId,
      addr: a.info.addr,
      tags: { room: 'red' },
    })

    expect(await server.cluster.send(new Request(CHAT, 'to b'), b.info.id)).toBe(true)
    await waitFor(() => b.got.includes('to b'))
    expect(await server.cluster.send(new Request(CHAT, 'x'), `${server.nodeId}-999`)).toBe(false)
    expect(await server.cluster.send(new Request(CHAT, 'x'), 'elsewhere-1')).toBe(false)

    const r = await server.cluster.sendAndWait(new Request(CHAT, 'q:1'), a.info.id)
    expect(r?.text()).toBe('a:q:1')
    await expect(server.cluster.sendAndWait(new Request(CHAT, 'q:2'), 'nobody-1')).rejects.toBeInstanceOf(
      UnknownClientError,
    )
    expect(await server.cluster.emit(new Request(CHAT, 'servers'))).toBe(0) // no other node
  })

  it('ids are unique across restarts of the same server', async () => {
    const server = fx.server()
    await server.start()
    const first = (await connected(server)).info.id
    await server.closeAll()
    await server.start()
    const second = (await connected(server)).info.id
    expect(second).not.toBe(first)
  })
})

/** An adapter that records what the server asks of it; `up` says whether its broker is reachable. */
function recordingAdapter() {
  const calls: string[] = []
  const adapter: ClusterAdapter & { up: boolean } = {
    up: true,
    get available() {
      return this.up
    },
    attach: async (host) => {
      calls.push(`attach ${host.nodeId}`)
    },
    detach: async () => {
      calls.push('detach')
    },
    broadcast: async () => {
      calls.push('broadcast')
      return 2
    },
    fetchClients: async () => [],
    send: async (_r, node, id) => {
      calls.push(`send ${node} ${id}`)
      return true
    },
    sendAndWait: async () => ({ status: 'timeout' }),
    nodes: async () => [],
    emit: async () => 2,
  }
  return { adapter, calls }
}

describe('server.cluster with an adapter', () => {
  it('attaches on start, detaches on closeAll; remote calls go to the adapter, local ones do not', async () => {
    const { adapter, calls } = recordingAdapter()
    const server = fx.server({ cluster: adapter })
    await expect(server.cluster.broadcast(new Request(CHAT, 'early'))).rejects.toBeInstanceOf(
      ClusterUnavailableError,
    )
    await server.start()
    expect(calls).toEqual([`attach ${server.nodeId}`])
    const a = await connected(server)
    expect(await server.cluster.broadcast(new Request(CHAT, 'hi'))).toBe(3) // this node + the adapter's 2
    await waitFor(() => a.got.includes('hi'))
    expect(await server.cluster.send(new Request(CHAT, 'own'), a.info.id)).toBe(true)
    expect(await server.cluster.send(new Request(CHAT, 'far'), 'abcdef-7')).toBe(true)
    expect(await server.cluster.sendAndWait(new Request(CHAT, 'far'), 'abcdef-7', { timeout: 50 })).toBeNull()
    expect(calls.slice(1)).toEqual(['broadcast', 'send abcdef abcdef-7'])
    await server.closeAll()
    expect(calls.at(-1)).toBe('detach')
  })

  it('broker down: remote calls reject ClusterUnavailableError before sending anything; local ones go on', async () => {
    const { adapter, calls } = recordingAdapter()
    const server = fx.server({ cluster: adapter })
    await server.start()
    const a = await connected(server)
    adapter.up = false
    expect(server.cluster.available).toBe(false)
    const err = await server.cluster.broadcast(new Request(CHAT, 'lost')).catch((e) => e)
    expect(err).toBeInstanceOf(ClusterUnavailableError)
    expect(err.code).toBe('VELTIX_ERR_CLUSTER_UNAVAILABLE')
    for (const call of [
      () => server.cluster.fetchClients(),
      () => server.cluster.nodes(),
      () => server.cluster.emit(new Request(CHAT, 'x')),
      () => server.cluster.send(new Request(CHAT, 'x'), 'abcdef-1'),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(ClusterUnavailableError)
    }
    expect(await server.cluster.send(new Request(CHAT, 'own'), a.info.id)).toBe(true)
    await waitFor(() => a.got.includes('own'))
    expect(a.got).not.toContain('lost')
    expect(calls.filter((c) => c === 'broadcast')).toEqual([])
  })

  it('a cluster option that is not an adapter is a ConfigError', () => {
    expect(() => fx.server({ cluster: {} as never })).toThrow(ConfigError)
  })
})
