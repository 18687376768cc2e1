import { afterAll, beforeAll, expect, it } from 'vitest'
import { ClusterNode, TestClient, until } from './cluster-node.js'
import { describeWithRedis, RedisServer } from './redis-server.js'

interface Fetched {
  id: string
  nodeId: string
  addr: [string, number]
  tags: Record<string, unknown>
}

// Three server processes on one real Redis, two clients on each (rooms: a*, b* on each node).
describeWithRedis('cluster calls across three server processes', () => {
  let redis: RedisServer
  let nodes: ClusterNode[] = []
  let clients: TestClient[] = []
  const byNode = (i: number) => clients.slice(i * 2, i * 2 + 2)

  beforeAll(async () => {
    redis = await RedisServer.start()
    nodes = await Promise.all([0, 1, 2].map(() => ClusterNode.start({ url: redis.url, name: 'calls' })))
    for (const n of nodes) {
      clients.push(await TestClient.connect(n, 'red'), await TestClient.connect(n, 'blue'))
    }
  }, 30_000)

  afterAll(async () => {
    // Nothing may be left waiting anywhere before everything is stopped.
    for (const n of nodes.filter((x) => x.alive)) {
      const left = await n.call<Record<string, number>>('leftovers')
      expect(left).toEqual({ pendingRequests: 0, pendingCluster: 0, unhandled: 0 })
    }
    for (const c of clients) expect(c.client.stats().pendingRequests).toBe(0)
    await Promise.all(clients.map((c) => c.close()))
    await Promise.all(nodes.map((n) => n.stop()))
    await redis?.kill()
    clients = []
    nodes = []
  }, 30_000)

  it('nodes() lists every node, with its client count, on every node', async () => {
    const ids = nodes.map((n) => n.nodeId).sort()
    expect(new Set(ids).size).toBe(3)
    for (const n of nodes) {
      await until(
        async () => {
          const list = await n.call<{ nodeId: string; clients: number; since: number }[]>('nodes')
          return (
            JSON.stringify(list.map((x) => x.nodeId).sort()) === JSON.stringify(ids) &&
            list.every((x) => x.clients === 2 && x.since > 0)
          )
        },
        5000,
        `node list on ${n.nodeId}`,
      )
    }
  })

  it('client ids are unique across the cluster and name their node', () => {
    const ids = clients.map((c) => c.id)
    expect(new Set(ids).size).toBe(6)
    nodes.forEach((n, i) => {
      for (const c of byNode(i)) expect(c.id.startsWith(`${n.nodeId}-`)).toBe(true)
    })
  })

  it('broadcast reaches every client of every node exactly once', async () => {
    const reached = await nodes[0]!.call<number>('broadcast', { text: 'to all' })
    expect(reached).toBe(3)
    await until(() => clients.every((c) => c.received.includes('to all')), 5000, 'every client')
    for (const c of clients) expect(c.received.filter((t) => t === 'to all')).toHaveLength(1)
  })

  it('broadcast with a tag filter and an except list', async () => {
    const skip = byNode(2)[1]!.id // the blue client of node 2
    await nodes[1]!.call('broadcast', { text: 'blue only', tag: ['room', 'blue'], except: [skip] })
    const blue = clients.filter((_, i) => i % 2 === 1 && clients[i]!.id !== skip)
    await until(() => blue.every((c) => c.received.includes('blue only')), 5000, 'blue clients')
    // The message passed through Redis before these checks: anything wrong would have arrived with it.
    await nodes[1]!.call('broadcast', { text: 'marker' })
    await until(() => clients.every((c) => c.received.includes('marker')), 5000, 'marker')
    for (const c of clients) {
      expect(c.received.includes('blue only')).toBe(blue.includes(c))
    }
  })

  it('fetchClients returns every client of every node, with node, address and tags', async () => {
    const all = await nodes[1]!.call<Fetched[]>('fetchClients')
    expect(all.map((c) => c.id).sort()).toEqual(clients.map((c) => c.id).sort())
    for (const f of all) {
      const i = clients.findIndex((c) => c.id === f.id)
      expect(f.nodeId).toBe(nodes[Math.floor(i / 2)]!.nodeId)
      expect(f.addr[0]).toBe('127.0.0.1')
      expect(f.tags).toEqual({ room: i % 2 === 0 ? 'red' : 'blue' })
    }
    const red = await nodes[2]!.call<Fetched[]>('fetchClients', { tag: ['room', 'red'] })
    expect(red.map((c) => c.id).sort()).toEqual(
      clients
        .filter((_, i) => i % 2 === 0)
        .map((c) => c.id)
        .sort(),
    )
    const tagged = await nodes[2]!.call<Fetched[]>('fetchClients', { tag: ['room'] })
    expect(tagged).toHaveLength(6)
  })

  it('send reaches a client on another node; false for a client no node holds', async () => {
    const target = byNode(2)[0]!
    expect(await nodes[0]!.call('send', { text: 'private', to: target.id })).toBe(true)
    await until(() => target.received.includes('private'), 5000, 'private message')
    expect(clients.filter((c) => c.received.includes('private'))).toEqual([target])
    // A live node without that client, a node that does not exist, and no id at all.
    expect(await nodes[0]!.call('send', { text: 'x', to: `${nodes[2]!.nodeId}-999` })).toBe(false)
    expect(await nodes[0]!.call('send', { text: 'x', to: '000000000000-1' })).toBe(false)
    expect(await nodes[0]!.call('send', { text: 'x', to: 'nonsense' })).toBe(false)
    // And to a client of the sending node itself.
    const own = byNode(0)[1]!
    expect(await nodes[0]!.call('send', { text: 'own', to: own.id })).toBe(true)
    await until(() => own.received.includes('own'), 5000, 'own message')
  })

  it('sendAndWait gets the reply of a client on another node', async () => {
    const target = byNode(1)[1]!
    const r = await nodes[2]!.call<{ text: string; latency: number; code: number }>('sendAndWait', {
      text: 'question',
      to: target.id,
    })
    expect(r.text).toBe('re: question')
    expect(r.code).toBe(202)
    expect(r.latency).toBeGreaterThan(0)
  })

  it('sendAndWait: null after the timeout when the client does not answer; UnknownClientError when nobody holds it', async () => {
    const target = byNode(0)[0]!
    target.answerDelay = -1
    try {
      const r = await nodes[1]!.call<{ ok: boolean; result: unknown; elapsed: number }>('timedCall', {
        call: 'sendAndWait',
        args: { text: 'silence', to: target.id, timeout: 300 },
      })
      expect(r.ok).toBe(true)
      expect(r.result).toBeNull()
      expect(r.elapsed).toBeGreaterThanOrEqual(290)
    } finally {
      target.answerDelay = 0
    }
    await expect(
      nodes[1]!.call('sendAndWait', { text: 'x', to: `${nodes[0]!.nodeId}-999`, timeout: 2000 }),
    ).rejects.toMatchObject({ name: 'UnknownClientError' })
    await expect(
      nodes[1]!.call('sendAndWait', { text: 'x', to: '000000000000-1', timeout: 2000 }),
    ).rejects.toMatchObject({ name: 'UnknownClientError' })
  })

  it('sendAndWait rejects ConnectionClosedError when the client on the other node disconnects while waiting', async () => {
    const extra = await TestClient.connect(nodes[2]!)
    extra.answerDelay = -1
    const waiting = nodes[0]!.call('sendAndWait', { text: 'bye?', to: extra.id, timeout: 5000 })
    await new Promise((r) => setTimeout(r, 200))
    await extra.close()
    await expect(waiting).rejects.toMatchObject({ name: 'ConnectionClosedError' })
  })

  it('emit reaches the onMessage handlers of every other node, not its own', async () => {
    expect(await nodes[1]!.call('emit', { text: 'server hello' })).toBe(2)
    const line = `server hello from ${nodes[1]!.nodeId}`
    await until(() => nodes[0]!.messages.includes(line) && nodes[2]!.messages.includes(line), 5000, 'emits')
    // Node 1 would have received its own emit with the others' ones: one more round shows it did not.
    await nodes[0]!.call('emit', { text: 'second' })
    await until(() => nodes[1]!.messages.includes(`second from ${nodes[0]!.nodeId}`), 5000, 'second emit')
    expect(nodes[1]!.messages.some((m) => m.startsWith('server hello'))).toBe(false)
  })

  it('a node that leaves with closeAll() is gone from nodes() and fetchClients at once', async () => {
    const extra = await ClusterNode.start({ url: redis.url, name: 'calls' })
    const c = await TestClient.connect(extra)
    await until(async () => (await nodes[0]!.call<Fetched[]>('fetchClients')).length === 7, 5000, '7 clients')
    await c.close()
    await extra.stop()
    const list = await nodes[0]!.call<{ nodeId: string }[]>('nodes')
    expect(list.map((n) => n.nodeId)).not.toContain(extra.nodeId)
    expect(await nodes[0]!.call<Fetched[]>('fetchClients')).toHaveLength(6)
  })
})
