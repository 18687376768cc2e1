import * as net from 'node:net'
import * as tls from 'node:tls'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  ConnectError,
  type Connection,
  connect,
  createServerTransport,
  type ServerTlsOptions,
  type ServerTransport,
  type ServerTransportInit,
  SocketCore,
  TlsError,
} from '../src/index.js'
import { connectionCompliance } from './compliance/connection-suite.js'
import { socketFactory } from './compliance/factories.js'
import { type CoreUnderTest, serverTransportCompliance } from './compliance/server-transport-suite.js'
import { Recorder, waitFor } from './helpers.js'
import { hasOpenssl, makeTestPki, type TestPki } from './tls-pki.js'

// Certificates are made at test time with `openssl` (present on CI machines like this one). Without it the
// TLS tests are skipped, loudly.
const OPENSSL = hasOpenssl()
if (!OPENSSL)
  console.warn('@veltix/transport: `openssl` not found: TLS tests SKIPPED (cannot make test certificates)')
const pki: TestPki | undefined = OPENSSL ? makeTestPki() : undefined
afterAll(() => pki?.dispose())

const CORES: CoreUnderTest[] = [
  { name: 'loop', core: SocketCore.LOOP },
  { name: 'worker', core: SocketCore.WORKER, init: { maxWorkers: 2 } },
]

/** The TCP socket under each raw TLS socket (to reset it). */
const tcpOf = new WeakMap<net.Socket, net.Socket>()

function tlsRawConnect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const tcp = net.connect({ host: '127.0.0.1', port }, () => {
      const s = tls.connect({ socket: tcp, ca: pki!.ca, servername: 'localhost' }, () => {
        s.off('error', reject)
        tcpOf.set(s, tcp)
        resolve(s)
      })
      s.once('error', reject)
    })
    tcp.once('error', reject)
  })
}

const serverTls = (): ServerTlsOptions => ({ cert: pki!.serverCert, key: pki!.serverKey })

if (pki !== undefined) {
  for (const cut of CORES) {
    serverTransportCompliance({
      ...cut,
      name: `${cut.name} (TLS)`,
      serverInit: { tls: serverTls() },
      clientInit: { tls: { ca: pki.ca } },
      rawConnect: tlsRawConnect,
      resetRaw: (s) => (tcpOf.get(s) ?? s).resetAndDestroy(),
    })
    connectionCompliance(
      socketFactory({
        ...cut,
        name: `${cut.name} (TLS)`,
        serverInit: { tls: serverTls() },
        clientInit: { tls: { ca: pki.ca } },
      }),
    )
  }
}

describe.skipIf(pki === undefined)('TLS', () => {
  for (const cut of CORES) {
    describe(`${cut.name} core`, () => {
      const servers: ServerTransport[] = []
      const clients: Connection[] = []

      afterEach(async () => {
        for (const c of clients.splice(0)) c.destroy()
        await Promise.all(servers.splice(0).map((s) => s.close()))
      })

      async function startServer(tlsInit: ServerTransportInit['tls'] = serverTls()) {
        const server = createServerTransport({
          host: '127.0.0.1',
          port: 0,
          core: cut.core,
          ...cut.init,
          tls: tlsInit,
        })
        servers.push(server)
        const accepted: Recorder[] = []
        server.onConnection((conn) => {
          const rec = new Recorder(conn)
          rec.onFrame = (f) => conn.send(f.code, f.requestId, f.payload, f.timestamp)
          accepted.push(rec.attach())
        })
        const { port } = await server.listen()
        return { server, port, accepted }
      }

      async function tryConnect(port: number, tlsInit: NonNullable<Parameters<typeof connect>[0]['tls']>) {
        const conn = await connect({ host: '127.0.0.1', port, core: cut.core, ...cut.init, tls: tlsInit })
        clients.push(conn)
        return conn
      }

      it('a client trusting the CA connects; frames flow; both ends report encrypted and the peer', async () => {
        const { server, port, accepted } = await startServer()
        expect(server.encrypted).toBe(true)
        const c = await tryConnect(port, { ca: pki!.ca })
        expect(c.encrypted).toBe(true)
        expect(c.authorized).toBe(true)
        expect(c.authorizationError).toBeUndefined()
        expect(c.getPeerCertificate?.()?.subject.CN).toBe('localhost')
        const rec = new Recorder(c).attach()
        for (let i = 0; i < 200; i++) c.send(200, i, Buffer.from(`secret ${i}`))
        c.send(201, 999, Buffer.alloc(300 * 1024, 7)) // spans many TLS records
        await waitFor(() => rec.frames.length === 201, 20_000, 'echoes')
        expect(rec.frames.slice(0, 200).map((f) => Buffer.from(f.payload).toString())).toEqual(
          Array.from({ length: 200 }, (_, i) => `secret ${i}`),
        )
        expect(rec.frames[200]!.payload.length).toBe(300 * 1024)
        const srv = accepted[0]!.conn
        expect(srv.encrypted).toBe(true)
        expect(srv.authorized).toBe(false) // no client certificate asked for
        expect(server.stats.accepted).toBe(1)
      })

      it('plain connections report encrypted: false', async () => {
        const server = createServerTransport({ host: '127.0.0.1', port: 0, core: cut.core, ...cut.init })
        servers.push(server)
        let srv: Connection | undefined
        server.onConnection((conn) => {
          srv = conn
          conn.setHandler({ frame: () => {}, close: () => {} })
        })
        const { port } = await server.listen()
        const c = await connect({ host: '127.0.0.1', port, core: cut.core, ...cut.init })
        clients.push(c)
        await waitFor(() => srv !== undefined)
        expect(server.encrypted).toBe(false)
        expect([c.encrypted, c.authorized, srv!.encrypted]).toEqual([false, false, false])
        expect(c.getPeerCertificate?.()).toBeUndefined()
      })

      it('a client without the CA is refused with TlsError (a ConnectError), nothing reaches onConnection', async () => {
        const { port, accepted } = await startServer()
        const err = await tryConnect(port, {}).catch((e) => e)
        expect(err).toBeInstanceOf(TlsError)
        expect(err).toBeInstanceOf(ConnectError)
        expect(err.name).toBe('TlsError')
        expect(err.causeCode).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
        const other = await tryConnect(port, { ca: pki!.otherCa }).catch((e) => e)
        expect(other).toBeInstanceOf(TlsError)
        expect(other.causeCode).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
        expect(accepted.length).toBe(0)
      })

      it('a certificate that does not name the servername is refused', async () => {
        const { port, accepted } = await startServer()
        const err = await tryConnect(port, { ca: pki!.ca, servername: 'wrong.example' }).catch((e) => e)
        expect(err).toBeInstanceOf(TlsError)
        expect(err.causeCode).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
        // the right name (the certificate's DNS entry) is accepted
        const ok = await tryConnect(port, { ca: pki!.ca, servername: 'localhost' })
        expect(ok.authorized).toBe(true)
        await waitFor(() => accepted.length === 1)
      })

      it('plain TCP to a TLS port never becomes a connection; the failure is counted', async () => {
        const { server, port, accepted } = await startServer()
        const plain = await connect({ host: '127.0.0.1', port, core: cut.core, ...cut.init })
        clients.push(plain)
        const rec = new Recorder(plain).attach()
        plain.send(200, 1, Buffer.from('not a TLS hello'))
        await rec.closed
        await waitFor(() => server.stats.tlsHandshakeFailures === 1)
        expect(accepted.length).toBe(0)
        expect(rec.frames).toEqual([])
      })

      it('client certificates (requestCert): verified ones are authorized, missing ones refused', async () => {
        const { server, port, accepted } = await startServer({
          ...serverTls(),
          ca: pki!.ca,
          requestCert: true,
          rejectUnauthorized: true,
        })
        const c = await tryConnect(port, { ca: pki!.ca, cert: pki!.clientCert, key: pki!.clientKey })
        await waitFor(() => accepted.length === 1)
        const srv = accepted[0]!.conn
        expect(srv.authorized).toBe(true)
        expect(srv.getPeerCertificate?.()?.subject.CN).toBe('veltix-test-client')
        const rec = new Recorder(c).attach()
        c.send(200, 1, Buffer.from('mutual'))
        await waitFor(() => rec.frames.length === 1)
        // Without a certificate: TLS 1.3 lets the client finish first, so connect() may resolve; either
        // way the server refuses it and it never reaches onConnection.
        const bad = await tryConnect(port, { ca: pki!.ca }).catch((e) => e)
        if (bad instanceof Error) expect(bad).toBeInstanceOf(TlsError)
        else await new Recorder(bad).attach().closed
        await waitFor(() => server.stats.tlsHandshakeFailures === 1)
        expect(accepted.length).toBe(1)
      })

      it('server close() also ends connections still in their handshake', async () => {
        const { server, port } = await startServer()
        const tcp = await new Promise<net.Socket>((resolve) => {
          const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s))
        })
        const ended = new Promise((r) => tcp.once('close', r))
        tcp.on('error', () => {})
        tcp.resume()
        await new Promise((r) => setTimeout(r, 20))
        servers.splice(servers.indexOf(server), 1)
        await server.close() // would wait for the 120 s handshake timeout if the socket were left alone
        await ended
      })
    })
  }
})
