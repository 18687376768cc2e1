// What `veltix/browser` offers: its exports-map entry and the names the issue and API.md promise.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as browser from '../../src/browser/index.js'

const names: Record<string, unknown> = { ...browser }
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))

describe('veltix/browser surface', () => {
  it('has its own exports entry, types first, built by its own tsup config', () => {
    expect(pkg.exports['./browser']).toEqual({
      types: { require: './dist/browser.d.cts', default: './dist/browser.d.ts' },
      default: './dist/browser.js',
    })
    expect(pkg.scripts.build).toContain('tsup.browser.config.ts')
  })

  it('exports the client API and the errors with their names', () => {
    for (const name of [
      'Client',
      'MessageType',
      'Request',
      'Response',
      'Events',
      'defineMessage',
      'DisconnectReason',
    ]) {
      expect(browser, name).toHaveProperty(name)
    }
    const errors = [
      'ConnectError',
      'ConnectionClosedError',
      'NotConnectedError',
      'AbortError',
      'HandshakeError',
      'HandshakeTimeoutError',
      'VersionMismatchError',
      'ServerRefusedError',
      'AuthenticationError',
      'ChecksumMismatchError',
      'FrameTooLargeError',
      'MalformedFrameError',
      'PayloadDecodeError',
      'WebSocketClosedError',
      'UnsupportedFeatureError',
    ] as const
    for (const name of errors) {
      const E = names[name] as { prototype: Error }
      expect(E.prototype, name).toBeInstanceOf(Error)
    }
    expect(new browser.ConnectError('h', 1, 'ETIMEDOUT').code).toBe('VELTIX_ERR_CONNECT')
    const closed = new browser.WebSocketClosedError(1006, '')
    expect(closed).toBeInstanceOf(browser.ConnectionClosedError)
    expect([closed.name, closed.code, closed.closeCode]).toEqual([
      'WebSocketClosedError',
      'VELTIX_ERR_WS_CLOSED',
      1006,
    ])
  })

  it('a Client needs a url, and a WebSocket when the platform has none', () => {
    expect(() => new browser.Client({} as browser.ClientInit)).toThrow(TypeError)
    const hadWs = 'WebSocket' in globalThis
    if (!hadWs) expect(() => new browser.Client({ url: 'ws://127.0.0.1:1/' })).toThrow(/WebSocket/)
  })
})
