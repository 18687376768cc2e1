import { describe, expect, it } from 'vitest'
import { decodeEnvelope, ENVELOPE_VERSION, encodeEnvelope, GENERATED_ID, Kind } from '../src/envelope.js'
import { resolveOptions } from '../src/options.js'

describe('cluster envelope', () => {
  it('round-trips every field, the payload byte for byte', () => {
    const payload = new Uint8Array([0, 1, 2, 250, 255])
    const bytes = encodeEnvelope(
      Kind.REQUEST,
      'a1b2c3d4e5f6',
      0xfffffffe,
      { to: 'x-1', timeout: 5 },
      202,
      0xdeadbeef,
      payload,
      GENERATED_ID,
    )
    const e = decodeEnvelope(bytes)!
    expect(e).toMatchObject({
      kind: Kind.REQUEST,
      flags: GENERATED_ID,
      from: 'a1b2c3d4e5f6',
      corr: 0xfffffffe,
      code: 202,
      requestId: 0xdeadbeef,
      meta: { to: 'x-1', timeout: 5 },
    })
    expect([...e.payload]).toEqual([...payload])
  })

  it('an envelope without meta or payload', () => {
    const e = decodeEnvelope(encodeEnvelope(Kind.LEAVE, 'n', 0, undefined))!
    expect(e.meta).toBeUndefined()
    expect(e.payload.length).toBe(0)
  })

  it('anything else is refused (undefined), never thrown', () => {
    const good = encodeEnvelope(Kind.BROADCAST, 'node', 1, { tag: ['room', 'a'] }, 200, 1, new Uint8Array(3))
    expect(decodeEnvelope(Buffer.from('hello'))).toBeUndefined()
    expect(
      decodeEnvelope(Buffer.concat([Buffer.from([ENVELOPE_VERSION + 1]), good.subarray(1)])),
    ).toBeUndefined()
    expect(
      decodeEnvelope(Buffer.concat([good.subarray(0, 1), Buffer.from([99]), good.subarray(2)])),
    ).toBeUndefined()
    expect(decodeEnvelope(good.subarray(0, 25))).toBeUndefined() // cut inside the meta
    const badMeta = Buffer.from(good)
    badMeta[18 + 4] = 0x7b // '{' where the JSON meta starts with '{' already: invalid JSON
    badMeta[18 + 5] = 0x7b
    expect(decodeEnvelope(badMeta)).toBeUndefined()
  })
})

describe('redisCluster options', () => {
  it('defaults', () => {
    expect(resolveOptions({ url: 'redis://127.0.0.1:6379', name: 'chat' })).toEqual({
      url: 'redis://127.0.0.1:6379',
      name: 'chat',
      nodeTimeout: 10_000,
      heartbeatInterval: 1000,
      connectTimeout: 2000,
      commandTimeout: 2000,
      maxReconnectDelay: 1000,
      keyPrefix: 'veltix',
    })
    expect(resolveOptions({ url: 'rediss://h', name: 'x', nodeTimeout: 1500 }).heartbeatInterval).toBe(500)
  })

  it('a bad option throws RedisClusterConfigError naming it', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ url: 'http://x', name: 'a' }, 'url'],
      [{ name: 'a' }, 'url'],
      [{ url: 'redis://x', name: '' }, 'name'],
      [{ url: 'redis://x', name: 'has space' }, 'name'],
      [{ url: 'redis://x', name: 'a', nodeTimeout: 0 }, 'nodeTimeout'],
      [{ url: 'redis://x', name: 'a', nodeTimeout: 1.5 }, 'nodeTimeout'],
      [{ url: 'redis://x', name: 'a', nodeTimeout: 1000, heartbeatInterval: 1000 }, 'heartbeatInterval'],
      [{ url: 'redis://x', name: 'a', commandTimeout: -1 }, 'commandTimeout'],
      [{ url: 'redis://x', name: 'a', keyPrefix: 'a:b' }, 'keyPrefix'],
    ]
    for (const [init, field] of bad) {
      expect(() => resolveOptions(init as never), field).toThrow(
        expect.objectContaining({ name: 'RedisClusterConfigError', field, code: 'VELTIX_ERR_REDIS_CONFIG' }),
      )
    }
  })
})
