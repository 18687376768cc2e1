import * as net from 'node:net'
import * as tls from 'node:tls'
import { FrameTooLargeError, HEADER_SIZE, writeFrame } from '@veltix/codec'
import type { Connection } from './connection.js'
import type { ConnectionBase } from './connection-base.js'
import { DEFAULT_BACKLOG, DEFAULT_HOST } from './constants.js'
import { createRuntime } from './core.js'
import { AbortError, ListenError, MaxConnectionsError, TransportStateError } from './errors.js'
import type { SocketConnection } from './loop/socket-connection.js'
import { type ResolvedOptions, resolveOptions } from './options.js'
import { encodeRefusal } from './refusal.js'
import type { CoreRuntime } from './runtime.js'
import type {
  RefusedConnectionInfo,
  ServerTransport,
  ServerTransportInit,
  ServerTransportStats,
} from './types.js'

// Sockets whose `preface` (e.g. the 2.x JSON handshake) is done.
const prefaced = new WeakSet<net.Socket>()
const noop = (): void => {}

/** Creates a server transport (not listening yet: call `listen()`). Throws RangeError on a bad option. */
export function createServerTransport(init: ServerTransportInit = {}): ServerTransport {
  return new SocketServerTransport(init)
}

type State = 'idle' | 'starting' | 'listening' | 'closing' | 'closed'

class SocketServerTransport implements ServerTransport {
  readonly #init: ServerTransportInit
  readonly #opts: ResolvedOptions
  readonly #backlog: number
  readonly #conns = new Set<SocketConnection>()
  readonly #refused = new Set<net.Socket>()
  /** TLS: TCP sockets whose handshake is not done yet (closed by `close()`; they are not connections yet). */
  readonly #handshaking = new Set<net.Socket>()
  readonly #stats: ServerTransportStats = {
    accepted: 0,
    refused: 0,
    refusedMaxConnections: 0,
    tlsHandshakeFailures: 0,
  }
  #server: net.Server | undefined
  #runtime: CoreRuntime | undefined
  #onConnection: ((conn: Connection) => void) | undefined
  #onRefused: ((info: RefusedConnectionInfo) => void) | undefined
  #state: State = 'idle'
  #nextId = 1
  #closing: Promise<void> | undefined
  #allClosed: (() => void) | undefined

  constructor(init: ServerTransportInit) {
    this.#init = init
    this.#opts = resolveOptions(init)
    const backlog = init.backlog ?? DEFAULT_BACKLOG
    if (!Number.isInteger(backlog) || backlog < 1) {
      throw new RangeError(`backlog must be a positive integer, got ${String(init.backlog)}`)
    }
    this.#backlog = backlog
  }

  get listening(): boolean {
    return this.#state === 'listening'
  }

  get connections(): ReadonlySet<Connection> {
    return this.#conns
  }

  get connectionCount(): number {
    return this.#conns.size
  }

  get stats(): Readonly<ServerTransportStats> {
    return this.#stats
  }

  get encrypted(): boolean {
    return this.#init.tls !== undefined
  }

  onConnection(handler: (conn: Connection) => void): void {
    this.#onConnection = handler
  }

  onRefused(handler: (info: RefusedConnectionInfo) => void): void {
    this.#onRefused = handler
  }

  async listen(
    options: { signal?: AbortSignal } = {},
  ): Promise<{ host: string; port: number; family: string }> {
    const { signal } = options
    if (this.#state !== 'idle')
      throw new TransportStateError(`listen() called on a ${this.#state} server transport`)
    if (signal?.aborted) {
      this.#state = 'closed'
      throw new AbortError('listen aborted', { cause: signal.reason })
    }
    this.#state = 'starting'
    const host = this.#init.host ?? DEFAULT_HOST
    const port = this.#init.port ?? 0
    let runtime: CoreRuntime
    try {
      runtime = await createRuntime(this.#init, this.#opts)
    } catch (err) {
      this.#state = 'closed'
      throw err
    }
    this.#runtime = runtime
    if (signal?.aborted) {
      await this.close()
      throw new AbortError('listen aborted', { cause: signal.reason })
    }
    const netOptions = { pauseOnConnect: true, allowHalfOpen: true, highWaterMark: this.#opts.bufferSize }
    const tlsInit = this.#init.tls
    let server: net.Server
    if (tlsInit === undefined) server = net.createServer(netOptions, this.#onSocket)
    else {
      server = tls.createServer({ ...tlsInit, ...netOptions }, this.#onSocket)
      server.on('connection', this.#onTcpForTls)
      server.on('tlsClientError', this.#onTlsClientError)
    }
    this.#server = server
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        server.off('error', onError)
        reject(new AbortError('listen aborted', { cause: signal?.reason }))
        void this.close()
      }
      const onError = (err: NodeJS.ErrnoException): void => {
        signal?.removeEventListener('abort', onAbort)
        this.#state = 'closed'
        this.#server = undefined
        void runtime.release()
        reject(new ListenError(host, port, err.code ?? 'ERROR', { cause: err }))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      server.once('error', onError)
      server.listen({ host, port, backlog: this.#backlog }, () => {
        signal?.removeEventListener('abort', onAbort)
        server.off('error', onError)
        server.on('error', (err) => this.#opts.logger.error('transport: server error', { error: err }))
        if (this.#state !== 'starting') {
          // close() was called while we were starting: it is waiting for this server to close.
          server.close()
          reject(new TransportStateError('the server transport was closed before it started listening'))
          return
        }
        this.#state = 'listening'
        const a = server.address() as net.AddressInfo
        resolve({ host: a.address, port: a.port, family: a.family })
      })
    })
  }

  broadcast(
    code: number,
    requestId: number,
    payload: Uint8Array,
    to: Iterable<Connection>,
    except?: Iterable<Connection>,
  ): number {
    return broadcast(this.#opts.maxMessageSize, code, requestId, payload, to, except)
  }

  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    const server = this.#server
    this.#state = 'closing'
    const serverClosed =
      server === undefined ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()))
    const waits: Promise<void>[] = [serverClosed]
    for (const conn of this.#conns) waits.push(conn.serverClose())
    for (const socket of this.#refused) socket.destroy()
    for (const socket of this.#handshaking) socket.destroy()
    await Promise.all(waits)
    if (this.#conns.size > 0) await new Promise<void>((resolve) => (this.#allClosed = resolve))
    await this.#runtime?.release()
    this.#runtime = undefined
    this.#server = undefined
    this.#state = 'closed'
  }

  #onFinished = (conn: ConnectionBase): void => {
    this.#conns.delete(conn as SocketConnection)
    if (this.#conns.size === 0) this.#allClosed?.()
  }

  /** TLS: a TCP connection arrived; it becomes a connection once its handshake is done. */
  #onTcpForTls = (raw: net.Socket): void => {
    this.#handshaking.add(raw)
    raw.once('close', () => this.#handshaking.delete(raw))
  }

  #onTlsClientError = (error: NodeJS.ErrnoException, socket: tls.TLSSocket): void => {
    this.#stats.tlsHandshakeFailures++
    this.#opts.logger.warning(`transport: TLS handshake failed: ${error.code ?? error.message}`, {
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort,
      error,
    })
    socket.destroy()
  }

  #onSocket = (socket: net.Socket): void => {
    const parent = (socket as { _parent?: net.Socket })._parent
    if (parent !== undefined) this.#handshaking.delete(parent)
    const runtime = this.#runtime
    if (this.#state !== 'listening' || runtime === undefined) {
      socket.destroy()
      return
    }
    const max = this.#init.maxConnection ?? 0
    if (max > 0 && this.#conns.size >= max) {
      this.#refuse(socket, max, prefaced.has(socket))
      return
    }
    const preface = this.#init.preface
    if (preface !== undefined && !prefaced.has(socket)) {
      socket.pause()
      socket.on('error', noop) // destroyed by the preface on failure; nothing to report
      preface(socket).then(
        () => {
          socket.off('error', noop)
          prefaced.add(socket)
          this.#onSocket(socket)
        },
        () => socket.destroy(),
      )
      return
    }
    this.#stats.accepted++
    const conn = runtime.createConnection(this.#nextId++, socket)
    conn.onFinished = this.#onFinished // one function per transport, not a closure per connection
    this.#conns.add(conn)
    try {
      this.#onConnection?.(conn)
    } catch (err) {
      this.#opts.logger.error('transport: onConnection handler threw', { connection: conn.id, error: err })
    }
  }

  /** Over `maxConnection`: tell the peer why (one ERROR frame), send FIN, discard its input, close. */
  #refuse(socket: net.Socket, max: number, prefaced = false): void {
    const error = new MaxConnectionsError(max)
    const remoteAddress = socket.remoteAddress ?? ''
    const remotePort = socket.remotePort ?? 0
    this.#stats.refused++
    this.#stats.refusedMaxConnections++
    this.#opts.logger.warning(`transport: ${error.message}; refusing ${remoteAddress}:${remotePort}`)
    const custom = prefaced ? undefined : this.#init.refusal
    const frame =
      custom === undefined ? encodeRefusal(error.message, this.#opts.frameProfile) : custom(error.message)
    this.#refused.add(socket)
    const timer = setTimeout(() => socket.destroy(), this.#opts.closeTimeout)
    timer.unref()
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      this.#refused.delete(socket)
    })
    socket.setNoDelay(true)
    socket.end(frame)
    socket.resume()
    try {
      this.#onRefused?.({ reason: 'max-connections', remoteAddress, remotePort, error })
    } catch (err) {
      this.#opts.logger.error('transport: onRefused handler threw', { error: err })
    }
  }
}

/** Encodes one frame once and queues it on every connection of `to` not in `except`. */
export function broadcast(
  maxMessageSize: number,
  code: number,
  requestId: number,
  payload: Uint8Array,
  to: Iterable<Connection>,
  except?: Iterable<Connection>,
): number {
  const len = HEADER_SIZE + payload.length
  if (len > maxMessageSize) throw new FrameTooLargeError(code, len, maxMessageSize)
  const frame = Buffer.allocUnsafe(len)
  writeFrame(frame, 0, code, requestId, payload, Date.now())
  const skip = except === undefined ? undefined : new Set(except)
  let accepted = 0
  for (const conn of to) {
    if (skip?.has(conn)) continue
    const r = conn.sendEncoded(frame)
    if (r === 'ok' || r === 'backpressure') accepted++
  }
  return accepted
}
