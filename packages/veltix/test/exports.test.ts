// The package's public surface: the exports map (types first, one entry per subpath), each subpath a chosen
// part of its package (no internals), and one meaning per name across the root and the subpaths.
import { readFileSync } from 'node:fs'
import * as codec from '@veltix/codec'
import * as logger from '@veltix/logger'
import * as router from '@veltix/router'
import * as session from '@veltix/session'
import * as transport from '@veltix/transport'
import { describe, expect, it } from 'vitest'
import * as subCodec from '../src/codec.js'
import * as veltix from '../src/index.js'
import * as subLogger from '../src/logger.js'
import * as subRouter from '../src/router.js'
import * as subSession from '../src/session.js'
import * as subTransport from '../src/transport.js'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const SUBPATHS = ['codec', 'transport', 'session', 'router', 'logger']

describe('package surface', () => {
  it('exports map: the root and every subpath, types first, built by tsup', () => {
    for (const key of ['.', ...SUBPATHS.map((s) => `./${s}`)]) {
      const entry = pkg.exports[key]
      expect(entry, key).toBeDefined()
      expect(Object.keys(entry)[0]).toBe('types')
    }
    const lib = Object.fromEntries(['index', ...SUBPATHS].map((s) => [s, `src/${s}.ts`]))
    // veltix/plugins: the first-party plugins, their own entry (not a re-export of a package).
    const plugins = { plugins: 'src/plugins.ts' }
    expect(Object.keys(pkg.exports['./plugins'])[0]).toBe('types')
    expect(pkg.tsup.entry).toEqual({ ...lib, ...plugins, cli: 'src/cli/main.ts' })
    expect(pkg.tsup.dts.entry).toEqual({ ...lib, ...plugins })
    expect(pkg.sideEffects).toBe(false)
  })

  it('each subpath exports names of its own package only, bound to the same values', () => {
    const pairs: [string, object, object][] = [
      ['codec', subCodec, codec],
      ['transport', subTransport, transport],
      ['session', subSession, session],
      ['router', subRouter, router],
      ['logger', subLogger, logger],
    ]
    for (const [name, sub, whole] of pairs) {
      for (const [k, v] of Object.entries(sub)) expect(v, `veltix/${name} ${k}`).toBe((whole as never)[k])
    }
  })

  it('a value name means one thing across the root and every subpath', () => {
    const seen = new Map<string, unknown>()
    for (const entry of [veltix, subCodec, subTransport, subSession, subRouter, subLogger]) {
      for (const [k, v] of Object.entries(entry)) {
        if (seen.has(k)) expect(v, k).toBe(seen.get(k))
        else seen.set(k, v)
      }
    }
  })

  it('internals stay inside their packages', () => {
    const internal: [object, string[]][] = [
      [veltix, ['HELLO', 'HELLO_ACK', 'PING', 'PONG', 'registerHandlers']],
      [subCodec, ['encodeCapabilities', 'nativeCrc32', 'crc32Table', 'toPayload', 'nextRequestId']],
      [subTransport, ['FLUSH_THRESHOLD', 'WORKER_BATCH_BYTES', 'MAX_CONNECTIONS_ERROR_CODE']],
      [subSession, ['ClientHandshake', 'createServerHandshake', 'SecureChannel', 'CAP_ENC', 'AUTH_CODE']],
    ]
    for (const [entry, names] of internal) for (const n of names) expect(entry, n).not.toHaveProperty(n)
  })

  it('the root exports what API.md uses', () => {
    for (const name of [
      'Server',
      'Client',
      'ServerConfig',
      'ClientConfig',
      'ClientInfo',
      'Request',
      'Response',
      'MessageType',
      'Events',
      'DisconnectReason',
      'PerformanceMode',
      'BufferSize',
      'SocketCore',
      'Sender',
      'formatBytes',
      'encodeJson',
      'decodeJson',
      'encodeUtf8',
      'decodeUtf8',
      'defineMessage',
      'handles',
      'Logger',
      'LogLevel',
    ]) {
      expect(veltix, name).toHaveProperty(name)
    }
  })
})
