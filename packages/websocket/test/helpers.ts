import { type CodecError, decodeFrame, encodeFrame, type Frame, HEADER_SIZE } from '@veltix/codec'
import type { CloseInfo, Connection, ConnectionHandler, ConnectionStats, SendResult } from '@veltix/transport'
import { WebSocket } from 'ws'

/**
 * Opens a `ws` client and waits until it is open (rejects on an HTTP refusal or error). `setup` runs at once,
 * before any message can arrive (the server's first frame may come in the same packet as the upgrade answer).
 */
export function openWs(
  url: string,
  options: WebSocket.ClientOptions = {},
  setup?: (ws: WebSocket) => void,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options)
    setup?.(ws)
    ws.once('open', () => {
      ws.off('error', reject)
      resolve(ws)
    })
    ws.once('error', reject)
  })
}

/** Resolves with the close code and reason the client saw. */
export function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve({ code: -1, reason: 'already closed' })
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
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

export function frame(code: number, payload: string | Uint8Array, requestId = 1): Buffer {
  return encodeFrame({
    code,
    requestId,
    payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
  })
}

/** Records what a connection reports (payloads copied). */
export class Recorder {
  readonly frames: Frame[] = []
  readonly errors: CodecError[] = []
  drains = 0
  readonly closed: Promise<CloseInfo>
  #resolve!: (info: CloseInfo) => void
  onFrame: ((f: Frame) => void) | undefined

  constructor(readonly conn: Connection) {
    this.closed = new Promise((r) => (this.#resolve = r))
  }

  attach(): this {
    this.conn.setHandler({
      frame: (f) => {
        this.frames.push({ ...f, payload: Buffer.from(f.payload) })
        this.onFrame?.(f)
      },
      decodeError: (e) => this.errors.push(e),
      drain: () => this.drains++,
      close: (info) => this.#resolve(info),
    })
    return this
  }
}

/**
 * A Veltix connection over a `ws` client (Node), enough for a client `Session` in the tests: one frame per
 * binary message both ways.
 */
export class WsClientConnection implements Connection {
  static #next = 1
  readonly id = WsClientConnection.#next++
  readonly remoteAddress: string
  readonly remotePort: number
  readonly remoteFamily = 'IPv4'
  readonly localAddress = '127.0.0.1'
  readonly localPort = 0
  readonly stats: ConnectionStats = {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    checksumErrors: 0,
    unknownTypes: 0,
    overflowRejected: 0,
  }
  #handler: ConnectionHandler | undefined
  #early: Frame[] = []
  #closing = false
  #reason: CloseInfo['reason'] | undefined
  readonly #done: Promise<void>

  constructor(readonly ws: WebSocket) {
    const url = new URL(ws.url)
    this.remoteAddress = url.hostname
    this.remotePort = Number(url.port)
    this.#done = new Promise((resolve) => {
      ws.on('close', () => {
        this.#closing = true
        this.#handler?.close({ reason: this.#reason ?? 'remote-end' })
        resolve()
      })
    })
    ws.on('message', (data: Buffer) => {
      const f = decodeFrame(data)
      this.stats.framesIn++
      if (this.#handler === undefined) this.#early.push({ ...f, payload: Buffer.from(f.payload) })
      else this.#handler.frame(f)
    })
    ws.on('error', () => {})
  }

  get closed(): boolean {
    return this.#closing
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount
  }

  /** Opens one (listening from the start: nothing the server sends first is missed). */
  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<WsClientConnection> {
    let conn: WsClientConnection | undefined
    await openWs(url, options, (ws) => (conn = new WsClientConnection(ws)))
    return conn!
  }

  setHandler(handler: ConnectionHandler): void {
    this.#handler = handler
    for (const f of this.#early.splice(0)) handler.frame(f)
  }

  send(code: number, requestId: number, payload: Uint8Array, timestamp?: number): SendResult {
    if (this.#closing) return 'closed'
    this.ws.send(encodeFrame({ code, requestId, payload, ...(timestamp === undefined ? {} : { timestamp }) }))
    this.stats.framesOut++
    return 'ok'
  }

  sendEncoded(frames: Uint8Array): SendResult {
    if (this.#closing) return 'closed'
    for (let o = 0; o < frames.length; ) {
      const len = HEADER_SIZE + Buffer.from(frames.buffer, frames.byteOffset + o, 6).readUInt32BE(2)
      this.ws.send(frames.subarray(o, o + len))
      o += len
    }
    return 'ok'
  }

  close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true
      this.#reason = 'local'
      this.ws.close(1000)
    }
    return this.#done
  }

  destroy(): void {
    this.#reason ??= 'local'
    this.#closing = true
    this.ws.terminate()
  }
}
