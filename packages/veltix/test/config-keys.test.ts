// Config that says what it ignores: nothing is ignored. An unknown key throws, naming it and the nearest
// known key; a reserved key (an option of a later release or package) given a value says who provides it.
import { describe, expect, it } from 'vitest'
import { CLIENT_OPTIONS, checkOptions, nearest, reserved, SERVER_OPTIONS } from '../src/config-keys.js'
import {
  Client,
  ClientConfig,
  ConfigError,
  noopLogger,
  Server,
  ServerConfig,
  UnavailableOptionError,
  UnknownOptionError,
} from '../src/index.js'

/** The error `make` throws (fails when it throws nothing). */
function thrown(make: () => unknown): ConfigError {
  try {
    make()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('expected a ConfigError, nothing was thrown')
}

// Options as a JavaScript caller passes them: no type checking on the way in.
const js = (o: Record<string, unknown>) => o as never

describe('unknown option keys', () => {
  it.each([
    ['Server', js({ prot: 9000 }), 'prot', 'port'],
    ['Server', js({ maxConection: 5 }), 'maxConection', 'maxConnection'],
    ['Server', js({ max_connection: 5 }), 'max_connection', 'maxConnection'],
    ['Server', js({ handshakeTimout: 100 }), 'handshakeTimout', 'handshakeTimeout'],
    ['Client', js({ serveraddr: '::1' }), 'serveraddr', 'serverAddr'],
    ['Client', js({ server_addr: '::1' }), 'server_addr', 'serverAddr'],
    ['Client', js({ retyr: 3 }), 'retyr', 'retry'],
    ['Client', js({ retryDealy: 3 }), 'retryDealy', 'retryDelay'],
  ])('%s %o throws UnknownOptionError naming %s, did you mean %s', (side, init, key, suggestion) => {
    const make = side === 'Server' ? () => new Server(init) : () => new Client(init)
    const e = thrown(make)
    expect(e).toBeInstanceOf(UnknownOptionError)
    expect(e.name).toBe('UnknownOptionError')
    expect(e.code).toBe('VELTIX_ERR_UNKNOWN_OPTION')
    expect(e.field).toBe(key)
    expect((e as UnknownOptionError).suggestion).toBe(suggestion)
    expect(e.message).toBe(`${key}: not a ${side} option (did you mean '${suggestion}'?)`)
  })

  it('a key far from every option has no suggestion', () => {
    const e = thrown(() => new Server(js({ flavour: 'vanilla' }))) as UnknownOptionError
    expect(e.field).toBe('flavour')
    expect(e.suggestion).toBeUndefined()
    expect(e.message).toBe('flavour: not a Server option')
  })

  it("an option of the other side says so (and still suggests this side's nearest)", () => {
    const s = thrown(() => new Server(js({ serverAddr: '127.0.0.1' })))
    expect(s.message).toMatch(/^serverAddr: a Client option, not a Server one/)
    const c = thrown(() => new Client(js({ host: '127.0.0.1', maxConnection: 3 })))
    expect(c.field).toBe('host')
    expect(c.message).toMatch(/^host: a Server option, not a Client one/)
  })

  it('the config classes check too (ServerConfig / ClientConfig), and nested option objects', () => {
    expect(thrown(() => new ServerConfig(js({ hots: 'x' }))).field).toBe('hots')
    expect(thrown(() => new ClientConfig(js({ tokn: 'x' }))).field).toBe('tokn')
    const l = thrown(() => new Server(js({ limits: { maxMessagesPerSec: 10 } }))) as UnknownOptionError
    expect(l.field).toBe('limits.maxMessagesPerSec')
    expect(l.suggestion).toBe('limits.maxMessagesPerSecond')
    expect(thrown(() => new Client(js({ heartbeat: { interval: 10, timout: 5 } }))).field).toBe(
      'heartbeat.timout',
    )
    expect(thrown(() => new Client(js({ backoff: { factr: 2 } }))).field).toBe('backoff.factr')
    expect(thrown(() => new Client(js({ offlineQueue: { maxMessage: 2 } }))).field).toBe(
      'offlineQueue.maxMessage',
    )
  })

  it('every documented option is accepted, and a key set to undefined counts as not given', () => {
    expect(
      () =>
        new Server({
          host: '127.0.0.1',
          port: 0,
          maxConnection: 10,
          maxMessageSize: 1 << 20,
          handshakeTimeout: 1000,
          handshakeMode: 'lenient',
          requestTimeout: 1000,
          unknownMessageTypes: 'drop',
          concurrency: 2,
          heartbeat: { interval: 1000, timeout: 3000 },
          logger: noopLogger,
          limits: { maxConnectionsPerAddress: 1, onLimit: 'close' },
          encryption: 'off',
        }),
    ).not.toThrow()
    expect(
      () =>
        new Client({
          serverAddr: '127.0.0.1',
          port: 1,
          retry: 1,
          retryDelay: 1,
          backoff: { factor: 2, maxDelay: 10, jitter: 0 },
          connectTimeout: 10,
          token: 't',
          offlineQueue: { maxMessages: 1, maxBytes: 100 },
          logger: noopLogger,
        }),
    ).not.toThrow()
    expect(() => new Server(js({ port: 0, prot: undefined, resume: undefined }))).not.toThrow()
  })

  it('offlineQueue is read from a ClientConfig too (it was ignored there before)', () => {
    expect(new ClientConfig({ offlineQueue: { maxMessages: 3 } }).offlineQueue).toEqual({ maxMessages: 3 })
    expect(new ClientConfig().offlineQueue).toBe(false)
    expect(thrown(() => new ClientConfig(js({ offlineQueue: 5 }))).field).toBe('offlineQueue')
  })
})

describe('reserved option keys (accepted by a later release or package)', () => {
  // Every key reserved so far has landed (resume, protocol): the mechanism, on a table of its own.
  it('a reserved key given a value throws UnavailableOptionError saying who provides it', () => {
    const table = { port: true as const, later: reserved('the later release of veltix') }
    const e = thrown(() => checkOptions({ port: 0, later: 1 }, 'Server', table, {}))
    expect(e).toBeInstanceOf(UnavailableOptionError)
    expect(e.code).toBe('VELTIX_ERR_OPTION_UNAVAILABLE')
    expect(e.field).toBe('later')
    expect((e as UnavailableOptionError).providedBy).toMatch(/later release/)
    expect(e.message).toMatch(/not available in this version/)
  })

  it('cluster has landed: a known Server key, checked for its shape', () => {
    expect(SERVER_OPTIONS.cluster).toBe(true)
    expect(thrown(() => new Server(js({ cluster: {} }))).field).toBe('cluster')
  })

  it('protocol has landed: a known key on both sides, checked for its values', () => {
    expect(SERVER_OPTIONS.protocol).toBe(true)
    expect(CLIENT_OPTIONS.protocol).toBe(true)
    expect(new Server(js({ port: 0, protocol: '2' })).config.protocol).toBe('2')
    expect(new Client(js({ port: 0, protocol: '1.6' })).config.protocol).toBe('1.6')
    expect(thrown(() => new Server(js({ protocol: 'auto' }))).field).toBe('protocol')
    expect(thrown(() => new Client(js({ protocol: 2 }))).field).toBe('protocol')
  })

  it('listeners has landed: a known Server key, checked for its shape', () => {
    expect(SERVER_OPTIONS.listeners).toBe(true)
    expect(thrown(() => new Server(js({ listeners: [{}] }))).field).toMatch(/^listeners/)
  })

  it('reserving a key is one table entry (what a feature flips to KNOWN when it lands)', () => {
    expect(reserved('@veltix/example')).toEqual({ providedBy: '@veltix/example' })
  })

  it('resume has landed: a known key on both sides, its values checked (ConfigError naming the field)', () => {
    expect(SERVER_OPTIONS.resume).toBe(true)
    expect(new ServerConfig({ resume: { windowMs: 1000 } }).resume).toEqual({
      windowMs: 1000,
      maxBufferedBytes: 4 * 1024 * 1024,
    })
    expect(new ServerConfig({ resume: true }).resume?.windowMs).toBe(120_000)
    expect(new ServerConfig().resume).toBeUndefined()
    expect(new ClientConfig({ resume: true }).resume).toEqual({ maxBufferedBytes: 4 * 1024 * 1024 })
    // resume turns the offline queue on unless it is given
    expect(new ClientConfig({ resume: true }).offlineQueue).toEqual({})
    expect(new ClientConfig({ resume: true, offlineQueue: false }).offlineQueue).toBe(false)
    for (const [init, field] of [
      [{ resume: { windowMs: 0 } }, 'resume.windowMs'],
      [{ resume: { windowMs: 1.5 } }, 'resume.windowMs'],
      [{ resume: { maxBufferedBytes: 10 } }, 'resume.maxBufferedBytes'],
      [{ resume: 'yes' }, 'resume'],
    ] as const) {
      const e = thrown(() => new ServerConfig(js(init)))
      expect(e).toBeInstanceOf(ConfigError)
      expect(e.field).toBe(field)
    }
    expect(thrown(() => new ClientConfig(js({ resume: { windowMs: 5 } }))).field).toBe('resume.windowMs')
    expect(thrown(() => new ClientConfig(js({ resume: 1 }))).field).toBe('resume')
    expect(thrown(() => new Server(js({ resume: { window: 5 } }))).field).toBe('resume.window')
  })
})

describe('nearest', () => {
  it('ignores case, _ and -; takes the smallest edit distance; gives up past about a third of the length', () => {
    const keys = ['port', 'host', 'retry', 'retryDelay', 'maxConnection']
    expect(nearest('PORT', keys)).toBe('port')
    expect(nearest('retry-delay', keys)).toBe('retryDelay')
    expect(nearest('hsot', keys)).toBe('host') // a transposition is one edit
    expect(nearest('maxConnections', keys)).toBe('maxConnection')
    expect(nearest('xyz', keys)).toBeUndefined()
    expect(nearest('colour', keys)).toBeUndefined()
  })
})
