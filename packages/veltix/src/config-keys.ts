import { UnavailableOptionError, UnknownOptionError } from './errors.js'

/**
 * The options `new Server({...})` and `new Client({...})` know, one table per side (internal). A key that is
 * in neither table throws `UnknownOptionError` (a `ConfigError`) naming it, with the nearest known key, so a
 * typo or an option of another release is never silently ignored — in JavaScript callers too.
 *
 * An option is `KNOWN`, or `reserved(providedBy)`: accepted by a later release or a package of its own that
 * has not landed here yet. A reserved key given a value throws `UnavailableOptionError` naming who provides
 * it. When the feature lands, its entry turns into `KNOWN` (one line) and the config reads and checks it.
 */
export const KNOWN = true as const
export interface Reserved {
  readonly providedBy: string
}
export type OptionEntry = typeof KNOWN | Reserved

export function reserved(providedBy: string): Reserved {
  return { providedBy }
}

const COMMON: Record<string, OptionEntry> = {
  encryption: KNOWN,
  maxMessageSize: KNOWN,
  bufferSize: KNOWN,
  performanceMode: KNOWN,
  handshakeTimeout: KNOWN,
  maxWorkers: KNOWN,
  socketCore: KNOWN,
  requestTimeout: KNOWN,
  unknownMessageTypes: KNOWN,
  concurrency: KNOWN,
  heartbeat: KNOWN,
  logger: KNOWN,
  port: KNOWN,
  tls: KNOWN,
  /** Resumable connections (API.md "Connections that survive drops"). */
  resume: KNOWN,
  /** The reference's 2.x / 3.x wire (API.md "Talking to the reference's later wire"). */
  protocol: KNOWN,
}

/** `ServerConfigInit`'s keys. */
export const SERVER_OPTIONS: Readonly<Record<string, OptionEntry>> = {
  ...COMMON,
  host: KNOWN,
  maxConnection: KNOWN,
  handshakeMode: KNOWN,
  identity: KNOWN,
  clientAuth: KNOWN,
  trustedClients: KNOWN,
  verifyClient: KNOWN,
  authenticate: KNOWN,
  limits: KNOWN,
  cluster: KNOWN,
  listeners: KNOWN,
}

/** `ClientInit`'s keys (`ClientConfigInit` + `offlineQueue`). */
export const CLIENT_OPTIONS: Readonly<Record<string, OptionEntry>> = {
  ...COMMON,
  serverAddr: KNOWN,
  retry: KNOWN,
  retryDelay: KNOWN,
  backoff: KNOWN,
  connectTimeout: KNOWN,
  serverKey: KNOWN,
  trustStore: KNOWN,
  trustOnFirstUse: KNOWN,
  allowUnverified: KNOWN,
  clientIdentity: KNOWN,
  token: KNOWN,
  offlineQueue: KNOWN,
}

/** The keys of the nested option objects the config reads whole. */
export const NESTED_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  limits: [
    'maxConnectionsPerAddress',
    'maxNewConnectionsPerSecond',
    'maxMessagesPerSecond',
    'maxBytesPerSecond',
    'onLimit',
  ],
  heartbeat: ['interval', 'timeout'],
  backoff: ['factor', 'maxDelay', 'jitter'],
  offlineQueue: ['maxMessages', 'maxBytes'],
  resume: ['windowMs', 'maxBufferedBytes'],
}

/**
 * Throws for the first key of `init` that `table` does not know, or that is reserved and given a value.
 * A key whose value is `undefined` counts as not given. `side` names the constructor in messages; `other`
 * is the other side's table, to say "that is a Client option" when it is one.
 */
export function checkOptions(
  init: object,
  side: 'Server' | 'Client',
  table: Readonly<Record<string, OptionEntry>>,
  other: Readonly<Record<string, OptionEntry>>,
): void {
  if (init === null || typeof init !== 'object') {
    throw new UnknownOptionError(
      'options',
      `new ${side}() takes an object of options, got ${typeof init}`,
      undefined,
    )
  }
  for (const key of Object.keys(init)) {
    const value = (init as Record<string, unknown>)[key]
    if (value === undefined) continue
    const entry = Object.hasOwn(table, key) ? table[key] : undefined
    if (entry === KNOWN) {
      const nested = Object.hasOwn(NESTED_OPTIONS, key) ? NESTED_OPTIONS[key] : undefined
      if (nested !== undefined && value !== null && typeof value === 'object') checkNested(key, value, nested)
      continue
    }
    if (entry !== undefined) {
      throw new UnavailableOptionError(
        key,
        `not available in this version: accepted by ${entry.providedBy}; leave it unset until then`,
        entry.providedBy,
      )
    }
    const suggestion = nearest(key, Object.keys(table))
    const otherSide = side === 'Server' ? 'Client' : 'Server'
    const why =
      Object.hasOwn(other, key) && other[key] === KNOWN
        ? `a ${otherSide} option, not a ${side} one`
        : `not a ${side} option`
    throw new UnknownOptionError(
      key,
      `${why}${suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`}`,
      suggestion,
    )
  }
}

function checkNested(parent: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key) || (value as Record<string, unknown>)[key] === undefined) continue
    const suggestion = nearest(key, known)
    throw new UnknownOptionError(
      `${parent}.${key}`,
      `not an option of ${parent}${suggestion === undefined ? '' : ` (did you mean '${parent}.${suggestion}'?)`}`,
      suggestion === undefined ? undefined : `${parent}.${suggestion}`,
    )
  }
}

/**
 * The known key nearest to `key`: the same once case and `_` / `-` are ignored (`max_connection`,
 * `serveraddr`), else the smallest edit distance (transpositions count one) within about a third of the
 * key's length. Undefined when nothing is that close.
 */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const norm = (k: string): string => k.replace(/[_-]/g, '').toLowerCase()
  const nk = norm(key)
  let best: string | undefined
  let bestD = Math.max(1, Math.floor(nk.length / 3)) + 1
  for (const k of known) {
    const d = norm(k) === nk ? 0 : distance(nk, norm(k))
    if (d < bestD) {
      bestD = d
      best = k
    }
  }
  return best
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function distance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[] = new Array(rows * cols).fill(0)
  for (let i = 0; i < rows; i++) d[i * cols] = i
  for (let j = 0; j < cols; j++) d[j] = j
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(
        d[(i - 1) * cols + j]! + 1,
        d[i * cols + j - 1]! + 1,
        d[(i - 1) * cols + j - 1]! + cost,
      )
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1)
      }
      d[i * cols + j] = v
    }
  }
  return d[rows * cols - 1]!
}
