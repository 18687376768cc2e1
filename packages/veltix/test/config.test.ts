import { describe, expect, it } from 'vitest'
import {
  BufferSize,
  Client,
  ClientConfig,
  ConfigError,
  PerformanceMode,
  Server,
  ServerConfig,
  ServerStateError,
  SocketCore,
} from '../src/index.js'

describe('ServerConfig / ClientConfig', () => {
  it('fills the reference defaults (times in ms)', () => {
    const s = new ServerConfig()
    expect(s).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      maxConnection: -1,
      maxMessageSize: 10 * 1024 * 1024,
      bufferSize: BufferSize.MEDIUM,
      performanceMode: PerformanceMode.BALANCED,
      handshakeTimeout: 5000,
      socketCore: SocketCore.LOOP,
      handshakeMode: 'strict',
      unknownMessageTypes: 'deliver',
      requestTimeout: 5000,
    })
    const c = new ClientConfig()
    expect(c).toMatchObject({ serverAddr: '127.0.0.1', port: 8080, retry: 0, retryDelay: 1000 })
  })

  it.each([
    ['port', { port: 70000 }],
    ['port', { port: 1.5 }],
    ['maxConnection', { maxConnection: 0 }],
    ['maxConnection', { maxConnection: -2 }],
    ['maxMessageSize', { maxMessageSize: 10 }],
    ['handshakeTimeout', { handshakeTimeout: 0 }],
    ['bufferSize', { bufferSize: 1234 as BufferSize }],
    ['socketCore', { socketCore: 'threads' as SocketCore }],
    ['host', { host: '' }],
    ['handshakeMode', { handshakeMode: 'loose' as 'strict' }],
    ['unknownMessageTypes', { unknownMessageTypes: 'keep' as 'drop' }],
  ])('rejects a bad %s with a ConfigError naming it', (field, init) => {
    const err = (() => {
      try {
        new Server(init)
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).field).toBe(field)
    expect((err as Error).name).toBe('ConfigError')
  })

  it('rejects bad client values', () => {
    expect(() => new Client({ retry: -2 })).toThrow(ConfigError)
    expect(() => new Client({ retry: 1.5 })).toThrow(ConfigError)
    expect(() => new Client({ retryDelay: Number.NaN })).toThrow(ConfigError)
    expect(() => new Client({ serverAddr: 42 as unknown as string })).toThrow(ConfigError)
  })

  it('takes a config object as well as a plain init', () => {
    const config = new ServerConfig({ port: 0, maxConnection: 3 })
    const server = new Server(config)
    expect(server.config).toBe(config)
    expect(new Client(new ClientConfig({ port: 9 })).config.port).toBe(9)
  })

  it('start() on a started server rejects with ServerStateError; closeAll on a never-started one is a no-op', async () => {
    const server = new Server({ host: '127.0.0.1', port: 0 })
    await server.closeAll()
    await server.start()
    try {
      await expect(server.start()).rejects.toBeInstanceOf(ServerStateError)
    } finally {
      await server.closeAll()
    }
  })

  it('start() on a port in use rejects with the listen error and leaves the server startable', async () => {
    const first = new Server({ host: '127.0.0.1', port: 0 })
    await first.start()
    const second = new Server({ host: '127.0.0.1', port: first.port })
    try {
      await expect(second.start()).rejects.toThrow()
      expect(second.listening).toBe(false)
      await first.closeAll()
      await second.start()
      expect(second.listening).toBe(true)
    } finally {
      await second.closeAll()
      await first.closeAll()
    }
  })
})
