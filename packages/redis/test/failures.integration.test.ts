import { Request } from 'veltix'
import { afterEach, expect, it } from 'vitest'
import { ClusterNode, ECHO, TestClient, until } from './cluster-node.js'
import { describeWithRedis, RedisServer } from './redis-server.js'

interface Timed {
  ok: boolean
  result?: unknown
  name?: string
  code?: string
  elapsed: number
}

const NODE_TIMEOUT = 1500

describeWithRedis('failures: Redis down, a node killed, a slow node', () => {
  let redis: RedisServer | undefined
  let nodes: ClusterNode[] = []
  let clients: TestClient[] = []

  async function cluster(count: number, name: string): Promise<ClusterNode[]> {
    redis = await RedisServer.start()
    const url = redis.url
    nodes = await Promise.all(
      Array.from({ length: count }, () =>
        ClusterNode.start({
          url,
          name,
          nodeTimeout: NODE_TIMEOUT,
          commandTimeout: 500,
          requestTimeout: 2000,
        }),
      ),
    )
    return nodes
  }

  async function connect(node: ClusterNode): Promise<TestClient> {
    const c = await TestClient.connect(node)
    clients.push(c)
    return c
  }

  afterEach(async () => {
    try {
      for (const n of nodes.filter((x) => x.alive)) {
        const left = await n.call<Record<string, number>>('leftovers')
        expect(left).toEqual({ pendingRequests: 0, pendingCluster: 0, unhandled: 0 })
      }
      for (const c of clients) expect(c.client.stats().pendingRequests).toBe(0)
    } finally {
      await Promise.all(clients.map((c) => c.close()))
      await Promise.all(nodes.map((n) => n.stop('SIGKILL')))
      await redis?.kill()
      clients = []
      nodes = []
      redis = undefined
    }
  }, 30_000)

  it('Redis killed mid-traffic: local traffic goes on, cluster calls reject at once, the cluster heals', async () => {
    const [a, b] = await cluster(2, 'outage')
    const ca = await connect(a!)
    const cb = await connect(b!)
    cb.answerDelay = 1000
    // Cluster traffic flowing, and a sendAndWait in flight when Redis dies.
    expect(await a!.call('broadcast', { text: 'before' })).toBe(2)
    await until(() => cb.received.includes('before'), 5000, 'before')
    const inFlight = a!.call<Timed>('timedCall', {
      call: 'sendAndWait',
      args: { text: 'waiting', to: cb.id, timeout: 5000 },
    })
    await new Promise((r) => setTimeout(r, 100))
    await redis!.kill()

    // The pending call fails fast with ClusterUnavailableError, well before its 5 s timeout.
    const pending = await inFlight
    expect(pending).toMatchObject({
      ok: false,
      name: 'ClusterUnavailableError',
      code: 'VELTIX_ERR_CLUSTER_UNAVAILABLE',
    })
    expect(pending.elapsed).toBeLessThan(2000)
    await until(async () => !(await a!.call('available')), 5000, 'a sees Redis down')
    for (const call of ['broadcast', 'fetchClients', 'nodes', 'emit', 'sendAndWait', 'send']) {
      const r = await a!.call<Timed>('timedCall', { call, args: { text: 'down', to: cb.id } })
      expect(r, call).toMatchObject({ ok: false, name: 'ClusterUnavailableError' })
      expect(r.elapsed, call).toBeLessThan(1000)
    }
    // Local traffic is not affected: a request/response with the node itself, and a local broadcast.
    const echo = await ca.client.sendAndWait(new Request(ECHO, 'still here'), { timeout: 2000 })
    expect(echo?.text()).toBe('still here')
    expect(await a!.call('localBroadcast', { text: 'local only' })).toBe(1)
    await until(() => ca.received.includes('local only'), 5000, 'local broadcast')
    expect(cb.received).not.toContain('down')

    // Redis back (empty: no persistence): both nodes rejoin by themselves and traffic flows again.
    await redis!.restart()
    await until(async () => (await a!.call('available')) && (await b!.call('available')), 10_000, 'healed')
    await until(
      async () => (await a!.call<{ nodeId: string }[]>('nodes')).length === 2,
      5000,
      'both nodes registered again',
    )
    expect(await a!.call('broadcast', { text: 'after' })).toBe(2)
    await until(() => cb.received.includes('after') && ca.received.includes('after'), 5000, 'after')
    cb.answerDelay = 0
    const r = await a!.call<{ text: string }>('sendAndWait', { text: 'again', to: cb.id })
    expect(r.text).toBe('re: again')
    // The reply to the first question (sent by cb after Redis died) found no waiter: nothing pending anywhere.
    await new Promise((res) => setTimeout(res, 1100))
  }, 40_000)

  it('Redis not there at start: start() goes on without it, local traffic works, the node joins once it is up', async () => {
    redis = await RedisServer.reserve()
    const a = await ClusterNode.start({ url: redis.url, name: 'late', commandTimeout: 500 })
    nodes = [a]
    expect(await a.call('available')).toBe(false)
    const r = await a.call<Timed>('timedCall', { call: 'nodes', args: {} })
    expect(r).toMatchObject({ ok: false, name: 'ClusterUnavailableError' })
    const ca = await connect(a)
    const echo = await ca.client.sendAndWait(new Request(ECHO, 'no redis yet'), { timeout: 2000 })
    expect(echo?.text()).toBe('no redis yet')
    await redis.restart()
    await until(async () => await a.call('available'), 10_000, 'joined')
    expect(await a.call<{ nodeId: string }[]>('nodes')).toMatchObject([{ nodeId: a.nodeId, clients: 1 }])
    expect(await a.call('broadcast', { text: 'now clustered' })).toBe(1)
    await until(() => ca.received.includes('now clustered'), 5000, 'broadcast')
  }, 30_000)

  it('a node killed: it leaves nodes() and fetchClients within nodeTimeout; sends to its clients fail fast', async () => {
    const [a, b] = await cluster(2, 'killed')
    await connect(a!)
    const cb = await connect(b!)
    await until(async () => (await a!.call<unknown[]>('fetchClients')).length === 2, 5000, 'two clients')
    const killedAt = Date.now()
    await b!.stop('SIGKILL')
    await until(
      async () => (await a!.call<{ nodeId: string }[]>('nodes')).every((n) => n.nodeId !== b!.nodeId),
      NODE_TIMEOUT + 1500,
      'b gone from nodes()',
    )
    expect(Date.now() - killedAt).toBeLessThan(NODE_TIMEOUT + 1000)
    const fetched = await a!.call<Timed>('timedCall', { call: 'fetchClients', args: {} })
    expect(fetched.ok).toBe(true)
    expect((fetched.result as { nodeId: string }[]).map((c) => c.nodeId)).toEqual([a!.nodeId])
    // Nobody listens on a dead node's channel any more: answers come at once, not after a timeout.
    const sent = await a!.call<Timed>('timedCall', { call: 'send', args: { text: 'x', to: cb.id } })
    expect(sent).toMatchObject({ ok: true, result: false })
    expect(sent.elapsed).toBeLessThan(1000)
    const asked = await a!.call<Timed>('timedCall', {
      call: 'sendAndWait',
      args: { text: 'x', to: cb.id, timeout: 3000 },
    })
    expect(asked).toMatchObject({ ok: false, name: 'UnknownClientError' })
    expect(asked.elapsed).toBeLessThan(1000)
    clients = clients.filter((c) => c !== cb)
    await cb.close()
  }, 30_000)

  it('a slow (stopped) node blocks nobody: broadcasts flow, calls to it time out, it leaves then rejoins', async () => {
    const [a, b, c] = await cluster(3, 'slow')
    const cb = await connect(b!)
    const cc = await connect(c!)
    await until(async () => (await a!.call<unknown[]>('fetchClients')).length === 2, 5000, 'two clients')
    b!.child.kill('SIGSTOP')
    try {
      for (let i = 0; i < 20; i++) await a!.call('broadcast', { text: `m${i}` })
      await until(() => cc.received.includes('m19'), 2000, 'c gets every broadcast while b is stopped')
      expect(cc.received.filter((t) => t.startsWith('m'))).toHaveLength(20)

      const asked = await a!.call<Timed>('timedCall', {
        call: 'sendAndWait',
        args: { text: 'hello?', to: cb.id, timeout: 400 },
      })
      expect(asked).toMatchObject({ ok: true, result: null })
      expect(asked.elapsed).toBeLessThan(1500)
      const fetched = await a!.call<Timed>('timedCall', { call: 'fetchClients', args: { timeout: 400 } })
      expect(fetched.ok).toBe(true)
      expect((fetched.result as { id: string }[]).map((x) => x.id)).toEqual([cc.id])
      expect(fetched.elapsed).toBeLessThan(1500)
      // Its record expires: it leaves nodes().
      await until(
        async () => (await a!.call<{ nodeId: string }[]>('nodes')).length === 2,
        NODE_TIMEOUT + 1500,
        'b gone from nodes()',
      )
    } finally {
      b!.child.kill('SIGCONT')
    }
    // Woken up, it heartbeats again and its client is reachable again (the buffered broadcasts reached it too).
    await until(async () => (await a!.call<unknown[]>('nodes')).length === 3, 5000, 'b back in nodes()')
    await until(() => cb.received.includes('m19'), 5000, 'b delivered what Redis buffered for it')
    const r = await a!.call<{ text: string }>('sendAndWait', { text: 'awake?', to: cb.id })
    expect(r.text).toBe('re: awake?')
  }, 30_000)
})
