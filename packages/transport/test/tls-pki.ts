import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A throw-away test PKI: one CA, a server certificate for localhost / 127.0.0.1 / ::1, a client certificate. */
export interface TestPki {
  ca: Buffer
  serverCert: Buffer
  serverKey: Buffer
  clientCert: Buffer
  clientKey: Buffer
  /** A second CA that signed nothing here (a client trusting only it must refuse the server). */
  otherCa: Buffer
  dispose(): void
}

/** True when the `openssl` command is available (the TLS tests need it to make certificates). */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * Generates the PKI with `openssl` in a fresh temp dir (EC P-256 keys: fast). Test-only material, made at
 * test time and deleted by `dispose()`; never use it for anything else.
 */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'veltix-tls-'))
  const f = (name: string): string => join(dir, name)
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  const caExt = [
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]
  run(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=Veltix Test CA',
    ...caExt,
  )
  run(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('other.key'),
    '-out',
    f('other.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=Other Test CA',
    ...caExt,
  )
  const issue = (name: string, cn: string, ext: string): void => {
    writeFileSync(f(`${name}.ext`), ext)
    run('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`)
    run(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f(`${name}.crt`),
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
    )
  }
  issue(
    'server',
    'localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n',
  )
  issue(
    'client',
    'veltix-test-client',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n',
  )
  const read = (name: string): Buffer => readFileSync(f(name))
  return {
    ca: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
    otherCa: read('other.crt'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  }
}
