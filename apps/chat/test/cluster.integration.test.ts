import { afterEach, expect, it } from 'vitest'
// The real redis-server helper of @veltix/redis's own tests (fails under CI=true, skips otherwise, without one).
import { describeWithRedis, RedisServer } from '../../../packages/redis/test/redis-server.js'
import { Proc } from './harness.js'

const procs: Proc[] = []
let redis: RedisServer | undefined
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')))
  await redis?.kill()
  redis = undefined
})
const run = (...args: string[]) => {
  const p = new Proc(args)
  procs.push(p)
  return p
}

describeWithRedis('chat --redis: two servers, one chat', () => {
  it('rooms, /who and private messages span both servers', async () => {
    redis = await RedisServer.start()
    const ports: string[] = []
    for (let i = 0; i < 2; i++) {
      const s = run('--server-only', '--port', '0', '--redis', redis.url)
      ports.push((await s.waitFor(/chat server on 127\.0\.0\.1:(\d+)/))[1]!)
    }
    const alice = run('--join', '--port', ports[0]!, '--nick', 'alice')
    await alice.waitFor('joined #lobby')
    const bob = run('--join', '--port', ports[1]!, '--nick', 'bob')
    await bob.waitFor('joined #lobby (2 here)')
    await alice.waitFor('bob joined #lobby')

    alice.type('hello from server one')
    await bob.waitFor('<alice> hello from server one')
    bob.type('/who')
    const who = await bob.waitFor(/in #lobby: (.*)/)
    expect(who[1]!.split(', ').sort()).toEqual(['alice', 'bob'])
    bob.type('/msg alice across the cluster')
    await alice.waitFor('[pm from bob] across the cluster')
    // A nick is unique across the cluster too.
    const eve = run('--join', '--port', ports[1]!, '--nick', 'alice')
    await eve.waitFor('alice is taken')
    alice.type('/quit')
    expect(await alice.exited).toBe(0)
    await bob.waitFor('alice left #lobby')
  }, 30_000)
})
