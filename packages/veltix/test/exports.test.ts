// The package's public surface: the exports map (types first, one entry per subpath) and each subpath
// re-exporting its package whole.
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
    expect(pkg.tsup.entry).toEqual({ ...lib, cli: 'src/cli/main.ts' })
    expect(pkg.tsup.dts.entry).toEqual(lib)
    expect(pkg.sideEffects).toBe(false)
  })

  it('each subpath re-exports its package whole', () => {
    const pairs: [object, object][] = [
      [subCodec, codec],
      [subTransport, transport],
      [subSession, session],
      [subRouter, router],
      [subLogger, logger],
    ]
    for (const [sub, whole] of pairs) expect(Object.keys(sub).sort()).toEqual(Object.keys(whole).sort())
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
