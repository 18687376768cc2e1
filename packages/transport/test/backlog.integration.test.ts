import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createServerTransport, DEFAULT_BACKLOG } from '../src/index.js'

// `ss -ltn` shows a listening socket's backlog as its Send-Q; Linux only, and only where iproute2 is.
const ss = ['/usr/bin/ss', '/bin/ss', '/usr/sbin/ss'].find((p) => existsSync(p))
const somaxconnFile = '/proc/sys/net/core/somaxconn'
const somaxconn = existsSync(somaxconnFile) ? Number(readFileSync(somaxconnFile, 'utf8').trim()) : 0

function listenBacklog(port: number): number {
  const out = execFileSync(ss!, ['-ltnH', `sport = :${port}`], { encoding: 'utf8' })
  const fields = out.trim().split(/\s+/)
  return Number(fields[2])
}

describe.skipIf(ss === undefined || somaxconn === 0)('server transport backlog', () => {
  it('listens with DEFAULT_BACKLOG (4096) unless told otherwise, as capped by net.core.somaxconn', async () => {
    const server = createServerTransport({ host: '127.0.0.1', port: 0 })
    const { port } = await server.listen()
    try {
      expect(DEFAULT_BACKLOG).toBe(4096)
      expect(listenBacklog(port)).toBe(Math.min(DEFAULT_BACKLOG, somaxconn))
    } finally {
      await server.close()
    }
  })

  it('passes the backlog option to listen()', async () => {
    const server = createServerTransport({ host: '127.0.0.1', port: 0, backlog: 37 })
    const { port } = await server.listen()
    try {
      expect(listenBacklog(port)).toBe(37)
    } finally {
      await server.close()
    }
  })
})

describe('backlog option validation', () => {
  it.each([0, -1, 1.5, Number.NaN, '8' as unknown as number])('rejects %s with a RangeError', (backlog) => {
    expect(() => createServerTransport({ backlog })).toThrow(RangeError)
    expect(() => createServerTransport({ backlog })).toThrow(/backlog must be a positive integer/)
  })
})
