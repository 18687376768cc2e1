import * as net from 'node:net'
import type { CodecError, Frame } from '@veltix/codec'
import type { CloseInfo, Connection } from '../src/index.js'

/** Records everything a connection reports. Frames are copied (payloads may be views). */
export class Recorder {
  readonly frames: Frame[] = []
  readonly errors: CodecError[] = []
  readonly closes: CloseInfo[] = []
  drains = 0
  readonly closed: Promise<CloseInfo>
  #resolve!: (info: CloseInfo) => void
  onFrame: ((frame: Frame) => void) | undefined

  constructor(readonly conn: Connection) {
    this.closed = new Promise((resolve) => (this.#resolve = resolve))
  }

  attach(): this {
    this.conn.setHandler({
      frame: (f) => {
        this.frames.push({ ...f, payload: Buffer.from(f.payload) })
        this.onFrame?.(f)
      },
      decodeError: (e) => this.errors.push(e),
      drain: () => this.drains++,
      close: (info) => {
        this.closes.push(info)
        this.#resolve(info)
      },
    })
    return this
  }
}

/** Polls `predicate` until true (generous timeout: for waiting only, never a timing assertion). */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

/** Opens a raw `net` socket (for feeding hand-made bytes) and waits for it to connect. */
export function rawConnect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => {
      s.off('error', reject)
      resolve(s)
    })
    s.once('error', reject)
  })
}

/** Count of active libuv resources by type (sockets, servers, timers, workers…). */
export function activeResources(): Map<string, number> {
  const m = new Map<string, number>()
  for (const t of process.getActiveResourcesInfo()) m.set(t, (m.get(t) ?? 0) + 1)
  return m
}

/** True if a socket can listen on ::1. */
export async function hasIpv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen({ host: '::1', port: 0 }, () => s.close(() => resolve(true)))
  })
}
