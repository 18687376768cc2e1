import { describe, expect, it } from 'vitest'
import * as transport from '../src/index.js'

const make: Record<string, () => transport.TransportError> = {
  TransportError: () => new transport.TransportError('x'),
  ConnectError: () => new transport.ConnectError('h', 1, 'ECONNREFUSED'),
  TlsError: () => new transport.TlsError('h', 1, 'CERT_HAS_EXPIRED'),
  ListenError: () => new transport.ListenError('h', 1, 'EADDRINUSE'),
  AbortError: () => new transport.AbortError(),
  OverflowError: () => new transport.OverflowError(1, 2, 3),
  MaxConnectionsError: () => new transport.MaxConnectionsError(2),
  TransportStateError: () => new transport.TransportStateError('x'),
  WorkerCrashError: () => new transport.WorkerCrashError('x'),
}

describe('transport errors', () => {
  it('every exported error class is covered here', () => {
    const exported = Object.entries(transport)
      .filter(([, v]) => typeof v === 'function' && v.prototype instanceof Error)
      .map(([k]) => k)
      .sort()
    expect(exported).toEqual(Object.keys(make).sort())
  })

  it('one stable VELTIX_ERR_ code per class, name set to the class name, a TransportError', () => {
    const codes = new Set<string>()
    for (const [name, f] of Object.entries(make)) {
      const e = f()
      expect(e).toBeInstanceOf(transport.TransportError)
      expect(e.name).toBe(name)
      expect(e.code).toMatch(/^VELTIX_ERR_[A-Z_]+$/)
      codes.add(e.code)
    }
    expect(codes.size).toBe(Object.keys(make).length)
  })

  it('the errno / TLS code underneath is causeCode; TlsError is a ConnectError', () => {
    const c = new transport.ConnectError('h', 1, 'ECONNREFUSED')
    expect([c.code, c.causeCode, c.host, c.port]).toEqual(['VELTIX_ERR_CONNECT', 'ECONNREFUSED', 'h', 1])
    const t = new transport.TlsError('h', 1, 'CERT_HAS_EXPIRED')
    expect(t).toBeInstanceOf(transport.ConnectError)
    expect([t.code, t.causeCode]).toEqual(['VELTIX_ERR_TLS', 'CERT_HAS_EXPIRED'])
    expect(new transport.ListenError('h', 1, 'EADDRINUSE').causeCode).toBe('EADDRINUSE')
  })
})
