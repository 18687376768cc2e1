import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { SecureConfigError } from './errors.js'

/**
 * Where a trust-on-first-use client remembers server keys: host → fingerprint (`SHA256:…`). Synchronous on
 * purpose: it is consulted inside the handshake, which runs in the frame handler.
 */
export interface TrustStore {
  get(host: string): string | undefined
  set(host: string, fingerprint: string): void
}

/** A trust store in memory (lost at exit): for tests, or to seed from your own storage. */
export class MemoryTrustStore implements TrustStore {
  readonly #entries: Map<string, string>
  constructor(entries?: Iterable<readonly [string, string]>) {
    this.#entries = new Map(entries)
  }
  get(host: string): string | undefined {
    return this.#entries.get(host)
  }
  set(host: string, fingerprint: string): void {
    this.#entries.set(host, fingerprint)
  }
  /** host → fingerprint pairs, for saving elsewhere. */
  entries(): IterableIterator<[string, string]> {
    return this.#entries.entries()
  }
}

const LINE_RE = /^(\S+)\s+(SHA256:[A-Za-z0-9+/]{43})$/

/**
 * A known-hosts style file: one `host SHA256:…` per line, `#` comments. Read once at construction; each `set`
 * rewrites the file atomically (temporary file + rename) with mode 0600. Throws `SecureConfigError` on a
 * malformed line rather than silently trusting less (or more) than the file says.
 */
export class FileTrustStore implements TrustStore {
  readonly path: string
  readonly #entries = new Map<string, string>()

  constructor(path: string) {
    this.path = path
    if (!existsSync(path)) return
    const lines = readFileSync(path, 'utf8').split('\n')
    lines.forEach((line, i) => {
      const t = line.trim()
      if (t === '' || t.startsWith('#')) return
      const m = LINE_RE.exec(t)
      if (m === null) throw new SecureConfigError(`${path}:${i + 1}: expected 'host SHA256:<base64>'`)
      this.#entries.set(m[1]!, m[2]!)
    })
  }

  get(host: string): string | undefined {
    return this.#entries.get(host)
  }

  set(host: string, fingerprint: string): void {
    if (/\s/.test(host) || host === '')
      throw new SecureConfigError(`trust store host '${host}' is empty or has spaces`)
    this.#entries.set(host, fingerprint)
    let text = '# Veltix known server keys: host SHA256:<base64>\n'
    for (const [h, f] of this.#entries) text += `${h} ${f}\n`
    const tmp = `${this.path}.${process.pid}.tmp`
    writeFileSync(tmp, text, { mode: 0o600 })
    renameSync(tmp, this.path)
  }
}
