import { DEFAULT_MAX_MESSAGE_SIZE, PROTOCOL_VERSION } from '../../../codec/src/constants.js'
import { ChecksumMismatchError, FrameTooLargeError, MalformedFrameError } from '../../../codec/src/errors.js'
import { type MessageType, MessageTypeRegistry } from '../../../codec/src/message-type.js'
import { decodeUtf8, encodeUtf8 } from '../../../codec/src/payload.js'
import { nextRequestId } from '../../../codec/src/request-id.js'
import { DisconnectReason, type DisconnectState } from '../../../session/src/client/disconnect.js'
import { DEFAULT_MAX_EARLY_BYTES, DEFAULT_MAX_EARLY_FRAMES } from '../../../session/src/constants.js'
import {
  AbortError,
  AuthenticationError,
  ConnectionClosedError,
  DuplicateRequestIdError,
  HandshakeError,
  HandshakeTimeoutError,
  NotConnectedError,
  PreHandshakeOverflowError,
  ServerRefusedError,
  VersionMismatchError,
} from '../../../session/src/errors.js'
import { DEFAULT_CONNECT_TIMEOUT } from '../../../transport/src/constants.js'
import { ConnectError } from '../../../transport/src/errors.js'
import { Events } from '../events.js'
import { TypedMessageType, TypedRequest, type TypedResponse } from '../typed-message.js'
import { decodeFrame, decodeHelloPayload, encodeFrame, type Frame, versionsCompatible } from './codec.js'
import { UnsupportedFeatureError, WebSocketClosedError } from './errors.js'
import { Failure, Link, reasonOfClose } from './link.js'
import { type Request, Response } from './message.js'
import {
  type BrowserClientStats,
  type BrowserLogger,
  type ClientInit,
  retryDelay,
  type WaitOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from './options.js'
import { PendingWaits } from './pending.js'

type Handler = (response: Response, client: Client) => unknown
type TypedHandler<T> = (response: TypedResponse<T>, client: Client) => unknown

const PING = 0
const PONG = 1
const HELLO = 10
const HELLO_ACK = 11
const ERROR = 20
const AUTH = 31
const AUTH_RESULT = 32
const CAP_ENC = 'vx.enc'
const CAP_AUTH = 'vx.auth'
// The capability block of a HELLO_ACK that echoes `vx.auth`: magic "VX", version 1, one entry vx.auth = 01.
const AUTH_BLOCK = Uint8Array.of(0x56, 0x58, 1, 1, 7, ...encodeUtf8(CAP_AUTH), 0, 1, 1)
const EMPTY = new Uint8Array(0)
const OPEN = 1
// Close codes this side sends: a page may only send 1000 and 3000-4999, so 1002 / 1003 / 1009 become 400x.
const CLOSE_PROTOCOL = 4002
const CLOSE_UNSUPPORTED = 4003
const CLOSE_TOO_LARGE = 4009

/**
 * A Veltix client over a WebSocket, for web pages: the Node client's API (`connect`, `getSender().send`,
 * `sendAndWait`, `pingServer`, `route`, `setCallback` / `onRecv`, `retry`, `disconnect`). Each binary
 * WebSocket message carries exactly one Veltix frame; the HELLO / HELLO_ACK handshake is the same as on TCP.
 */
export class Client {
  /** Message types this client knows: the system types and every routed one. */
  readonly registry = new MessageTypeRegistry()
  readonly url: string
  readonly #init: ClientInit
  readonly #WebSocket: WebSocketConstructor
  readonly #log: BrowserLogger
  readonly #routes = new Map<number, { type: MessageType; handler: Handler }>()
  readonly #pending = new PendingWaits()
  readonly #recv = new Set<(response: Response) => unknown>()
  readonly #connectCbs = new Set<() => unknown>()
  readonly #disconnectCbs = new Set<(state: DisconnectState) => unknown>()
  readonly #slots: Partial<Record<Events, (...args: never[]) => unknown>> = {}
  readonly #sender = { send: (request: Request): boolean => this.send(request) }
  #retryMax: number
  #link: Link | undefined
  #attempting: Link | undefined
  #loop: Promise<boolean> | undefined
  #sleep: { timer: ReturnType<typeof setTimeout>; wake(): void } | undefined
  #stopped = false
  #everConnected = false
  #lastError: Error | undefined
  #stats = {
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    droppedFrames: { checksum: 0, handshake: 0, unsolicitedPong: 0 },
    reconnects: 0,
    failedAttempts: 0,
    lastRtt: undefined as number | undefined,
  }

  constructor(init: ClientInit) {
    if (typeof init?.url !== 'string')
      throw new TypeError('new Client({ url }): url must be a ws:// or wss:// URL')
    this.#init = init
    this.url = init.url
    const WS = init.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    if (WS === undefined) throw new TypeError('no WebSocket here: pass one as new Client({ url, WebSocket })')
    this.#WebSocket = WS
    this.#log = init.logger ?? console
    this.#retryMax = init.retry === -1 ? Number.POSITIVE_INFINITY : Math.max(0, init.retry ?? 0)
  }

  /** True while a connection with a completed handshake is up. */
  get connected(): boolean {
    return this.#link !== undefined
  }

  /** Why the last attempt failed or the last connection was lost; cleared by each handshake. */
  get lastError(): Error | undefined {
    return this.#lastError
  }

  /** The sender (`send(request)` → boolean), as `getSender()`. */
  get sender(): { send(request: Request): boolean } {
    return this.#sender
  }

  getSender(): { send(request: Request): boolean } {
    return this.#sender
  }

  /**
   * Opens the WebSocket and runs the handshake: true once it is done, false when every attempt failed
   * (`retry` more attempts are made first, each reported to `ON_DISCONNECT`; `lastError` says why).
   * Rejects only with `AbortError` when `signal` aborts.
   */
  async connect(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    if (this.#link !== undefined) return true
    this.#stopped = false
    this.#loop ??= this.#run(0)
    const loop = this.#loop
    const signal = options.signal
    if (signal === undefined) return loop
    if (signal.aborted) throw new AbortError('connect aborted', { cause: signal.reason })
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.stopRetry()
        this.#attempting?.ws.close(1000)
        reject(new AbortError('connect aborted', { cause: signal.reason }))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      loop.then((ok) => {
        signal.removeEventListener('abort', onAbort)
        resolve(ok)
      }, reject)
    })
  }

  /**
   * Closes the connection and stops reconnecting. `ON_DISCONNECT` fires with `reason: MANUAL, permanent:
   * true` when there was a connection or an attempt; pending `sendAndWait` calls reject `ConnectionClosedError`.
   */
  async disconnect(): Promise<void> {
    const had = this.#link !== undefined || this.#loop !== undefined
    this.#stopped = true
    this.#sleep?.wake()
    const links = [this.#link, this.#attempting].filter((l) => l !== undefined)
    const closed = links.map((l) =>
      this.#close(l, new Failure(DisconnectReason.MANUAL, new ConnectionClosedError('disconnect() called'))),
    )
    await Promise.all(closed)
    if (had) this.#emit(DisconnectReason.MANUAL, true, 0, undefined)
  }

  /** No further reconnection attempt (an attempt in flight finishes). */
  stopRetry(): void {
    this.#stopped = true
    this.#sleep?.wake()
  }

  /** Allows reconnecting again (`max`: the new retry count); when disconnected, starts attempts now. */
  retry(options: { max?: number } = {}): Promise<boolean> {
    if (options.max !== undefined)
      this.#retryMax = options.max === -1 ? Number.POSITIVE_INFINITY : Math.max(0, options.max)
    this.#stopped = false
    if (this.#link !== undefined) return Promise.resolve(true)
    this.#loop ??= this.#run(0)
    return this.#loop
  }

  /** Sends `request`: true when the socket took it, false when there is no connection or its buffer is full. */
  send(request: Request): boolean {
    const link = this.#link
    if (link === undefined || link.ws.readyState !== OPEN) return false
    if (link.ws.bufferedAmount > (this.#init.maxBufferedBytes ?? 8 * 1024 * 1024)) return false
    try {
      this.#write(link, request.type.code, request.id, request.payload)
      return true
    } catch (error) {
      this.#log.warn(`veltix: send: ${(error as Error).message}`)
      return false
    }
  }

  /**
   * Sends `request` and waits for the frame with the same request id: the reply (its `latency` is the round
   * trip in ms), or null after `timeout`. Rejects `NotConnectedError`, `ConnectionClosedError` when the
   * connection closes meanwhile, `AbortError` on abort. A typed request's reply has `data` decoded.
   */
  sendAndWait<T, R>(request: TypedRequest<T, R>, options?: WaitOptions): Promise<TypedResponse<R> | null>
  sendAndWait(request: Request, options?: WaitOptions): Promise<Response | null>
  async sendAndWait(request: Request, options?: WaitOptions): Promise<Response | null> {
    const link = this.#link
    if (link === undefined) throw new NotConnectedError()
    if (this.#pending.has(request.id)) throw new DuplicateRequestIdError(request.id)
    const p = this.#pending.wait(request.id, this.#timeout(options), options?.signal)
    try {
      this.#write(link, request.type.code, request.id, request.payload)
    } catch (error) {
      this.#pending.reject(request.id, error as Error)
    }
    const reply = await p
    if (reply === null) return null
    const response = new Response(this.registry.resolve(reply.frame.code), reply.frame)
    response.latency = reply.rtt
    return request instanceof TypedRequest ? request.type.decodeReply(response) : response
  }

  /** Pings the server: the round trip in ms, or null after `timeout` or without a connection. Rejects only `AbortError`. */
  async pingServer(options?: WaitOptions): Promise<number | null> {
    const link = this.#link
    if (link === undefined) return null
    let id = nextRequestId()
    while (this.#pending.has(id)) id = nextRequestId()
    const p = this.#pending.wait(id, this.#timeout(options), options?.signal)
    this.#write(link, PING, id, EMPTY)
    try {
      return (await p)?.rtt ?? null
    } catch (error) {
      if (error instanceof AbortError) throw error
      return null
    }
  }

  /** Routes a message type to `handler (response, client)`; routes beat `ON_RECV`. False when it has one. */
  route<T, R>(type: TypedMessageType<T, R>, handler: TypedHandler<T>): boolean
  route(type: MessageType, handler: Handler): boolean
  route(type: MessageType, handler: Handler | TypedHandler<never>): boolean {
    if (this.#routes.has(type.code)) return false
    this.registry.register(type)
    this.#routes.set(type.code, { type, handler: handler as Handler })
    return true
  }

  /** Removes the route of `type`; false when it had none. */
  unroute(type: MessageType): boolean {
    return this.#routes.delete(type.code)
  }

  /** `ON_CONNECT ()` after each handshake; `ON_RECV (response)` a message no route took; `ON_DISCONNECT (state)`. */
  setCallback(event: Events.ON_CONNECT, callback: (() => unknown) | undefined): void
  setCallback(event: Events.ON_RECV, callback: ((response: Response) => unknown) | undefined): void
  setCallback(event: Events.ON_DISCONNECT, callback: ((state: DisconnectState) => unknown) | undefined): void
  setCallback(event: Events, callback: ((...args: never[]) => unknown) | undefined): void {
    if (event !== Events.ON_CONNECT && event !== Events.ON_RECV && event !== Events.ON_DISCONNECT) {
      throw new TypeError(`unknown event ${String(event)}`)
    }
    this.#slots[event] = callback
  }

  /** Adds a receive listener (beside `setCallback`); returns its unsubscribe. */
  onRecv(callback: (response: Response) => unknown): () => void {
    return add(this.#recv, callback)
  }
  onConnect(callback: () => unknown): () => void {
    return add(this.#connectCbs, callback)
  }
  onDisconnect(callback: (state: DisconnectState) => unknown): () => void {
    return add(this.#disconnectCbs, callback)
  }

  /** Counters of this client over all its connections. */
  stats(): BrowserClientStats {
    const s = this.#stats
    return {
      ...s,
      droppedFrames: { ...s.droppedFrames },
      connected: this.connected,
      pendingRequests: this.#pending.size,
    }
  }

  // --- connecting ------------------------------------------------------------------------------------------

  /** Attempts from number `first` until one succeeds, the retries run out or retrying stops. */
  async #run(first: number): Promise<boolean> {
    try {
      for (let attempt = first; ; attempt++) {
        if (attempt > 0) await this.#pause(retryDelay(this.#init, attempt))
        if (this.#stopped) return false
        const failure = await this.#attempt()
        if (failure === undefined) return true
        if (this.#stopped && failure.reason === DisconnectReason.MANUAL) return false
        this.#stats.failedAttempts++
        const permanent = failure.permanent || this.#stopped || attempt >= this.#retryMax
        this.#lastError = failure.error
        this.#emit(failure.reason, permanent, attempt, failure.error)
        if (permanent) return false
      }
    } finally {
      this.#loop = undefined
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(this.#sleep?.timer)
        this.#sleep = undefined
        resolve()
      }
      this.#sleep = { timer: setTimeout(wake, ms), wake }
    })
  }

  /** One attempt: resolves undefined once the handshake is done, else the failure. */
  #attempt(): Promise<Failure | undefined> {
    let ws: WebSocketLike
    try {
      ws = new this.#WebSocket(this.url)
    } catch (cause) {
      // A malformed URL will not heal by retrying.
      return Promise.resolve(
        new Failure(
          DisconnectReason.ERROR,
          new ConnectError(this.url, 0, 'ERR_INVALID_URL', { cause }),
          true,
        ),
      )
    }
    ws.binaryType = 'arraybuffer'
    const link = new Link(ws)
    this.#attempting = link
    const connectTimeout = this.#init.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT
    const handshakeTimeout = this.#init.handshakeTimeout ?? 5000
    link.timer = setTimeout(() => {
      this.#fail(link, new Failure(DisconnectReason.ERROR, this.#connectError('ETIMEDOUT')))
    }, connectTimeout)
    ws.onopen = () => {
      clearTimeout(link.timer)
      link.timer = setTimeout(() => {
        this.#fail(
          link,
          new Failure(DisconnectReason.HANDSHAKE_TIMEOUT, new HandshakeTimeoutError(handshakeTimeout)),
        )
      }, handshakeTimeout)
    }
    ws.onmessage = (ev) => this.#onData(link, ev.data)
    ws.onerror = () => {} // the close event follows and says what happened
    ws.onclose = (ev) => this.#onClose(link, ev.code, ev.reason)
    return new Promise((resolve) => {
      link.settle = (failure) => {
        link.settle = undefined
        if (this.#attempting === link) this.#attempting = undefined
        resolve(failure)
      }
    })
  }

  /** The transport's ConnectError, for the URL's host and port: ETIMEDOUT, or EWEBSOCKET (a page is told no more). */
  #connectError(causeCode: string): ConnectError {
    const u = new URL(this.url)
    const port = u.port === '' ? (u.protocol === 'wss:' ? 443 : 80) : Number(u.port)
    return new ConnectError(u.hostname, port, causeCode)
  }

  #onClose(link: Link, code: number, reason: string): void {
    clearTimeout(link.timer)
    const failure =
      link.failure ??
      (!link.handshakeDone && link.helloId === -1 && code === 1006
        ? new Failure(DisconnectReason.ERROR, this.#connectError('EWEBSOCKET'))
        : new Failure(reasonOfClose(code), new WebSocketClosedError(code, reason)))
    link.failure = failure
    link.closed?.()
    this.#ended(link, failure)
  }

  /** Closes `link` for `failure` (once) and resolves when its close event came (or after 1 s). */
  #close(link: Link, failure: Failure, wsCode = 1000): Promise<void> {
    if (link.failure !== undefined) return Promise.resolve()
    link.failure = failure
    clearTimeout(link.timer)
    const done = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 1000)
      link.closed = () => {
        clearTimeout(t)
        resolve()
      }
    })
    try {
      link.ws.close(wsCode, failure.error.message.slice(0, 120))
    } catch {
      link.ws.close()
    }
    this.#ended(link, failure)
    return done
  }

  #fail(link: Link, failure: Failure, wsCode = 1000): void {
    if (failure.reason !== DisconnectReason.MANUAL && failure.reason !== DisconnectReason.PROTOCOL_ERROR) {
      this.#log.warn(`veltix: ${failure.error.message}`)
    } else if (failure.reason === DisconnectReason.PROTOCOL_ERROR) {
      this.#log.error(`veltix: ${failure.error.message}`)
    }
    void this.#close(link, failure, wsCode)
  }

  /** The attempt or the connection of `link` is over (called once per link: settle and link are cleared). */
  #ended(link: Link, failure: Failure): void {
    if (link.settle !== undefined) {
      link.settle(failure)
      return
    }
    if (this.#link !== link) return
    this.#link = undefined
    const error =
      failure.error instanceof ConnectionClosedError
        ? failure.error
        : new ConnectionClosedError(failure.error.message, { cause: failure.error })
    this.#pending.rejectAll(error)
    if (failure.reason === DisconnectReason.MANUAL) return // disconnect() reports it
    this.#lastError = failure.error
    const permanent = this.#stopped || this.#retryMax === 0 || failure.permanent
    this.#emit(failure.reason, permanent, 0, failure.error)
    if (!permanent) this.#loop ??= this.#run(1)
  }

  // --- receiving -------------------------------------------------------------------------------------------

  #onData(link: Link, data: unknown): void {
    if (link.failure !== undefined) return
    if (!(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) {
      const error = new MalformedFrameError(
        'the server sent a text WebSocket message: Veltix frames are binary',
      )
      this.#fail(link, new Failure(DisconnectReason.PROTOCOL_ERROR, error), CLOSE_UNSUPPORTED)
      return
    }
    const bytes =
      data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    let f: Frame
    try {
      f = decodeFrame(bytes, this.#init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE)
    } catch (error) {
      if (error instanceof ChecksumMismatchError) {
        // As on TCP: the frame is dropped and counted, the connection stays.
        this.#stats.droppedFrames.checksum++
        this.#log.warn(`veltix: ${error.message}: frame dropped`)
        return
      }
      this.#fail(
        link,
        new Failure(DisconnectReason.PROTOCOL_ERROR, error as Error),
        error instanceof FrameTooLargeError ? CLOSE_TOO_LARGE : CLOSE_PROTOCOL,
      )
      return
    }
    this.#stats.messagesIn++
    this.#stats.bytesIn += bytes.length
    if (f.code === PING) {
      this.#write(link, PONG, f.requestId, EMPTY)
      return
    }
    if (!link.handshakeDone) {
      this.#early(link, f)
      return
    }
    if (f.code === HELLO || f.code === HELLO_ACK) {
      this.#stats.droppedFrames.handshake++
      return
    }
    const rtt = this.#pending.settle(f)
    if (rtt !== undefined) {
      this.#stats.lastRtt = rtt
      return
    }
    if (f.code === PONG) {
      this.#stats.droppedFrames.unsolicitedPong++
      return
    }
    this.#dispatch(new Response(this.registry.resolve(f.code), f))
  }

  /** A frame before the handshake is done (not a PING). */
  #early(link: Link, f: Frame): void {
    if (link.authPending) {
      if (f.code === AUTH_RESULT && f.requestId === link.helloId) {
        if (f.payload[0] === 1) this.#complete(link)
        else {
          const why = f.payload.length > 1 ? `: ${decodeUtf8(f.payload.subarray(1))}` : ''
          const error = new AuthenticationError(`the server refused the authentication${why}`)
          this.#fail(link, new Failure(DisconnectReason.AUTH_REFUSED, error, true))
        }
        return
      }
    } else if (f.code === HELLO && link.helloId === -1) {
      this.#hello(link, f)
      return
    } else if (f.code === ERROR && link.helloId === -1) {
      const why = new TextDecoder().decode(f.payload.subarray(0, 512))
      this.#fail(link, new Failure(DisconnectReason.HANDSHAKE_FAILED, new ServerRefusedError(why)))
      return
    }
    // Application frames wait for the handshake, so nothing reaches handlers before ON_CONNECT (bounded).
    if (
      link.early.length >= DEFAULT_MAX_EARLY_FRAMES ||
      link.earlyBytes + f.payload.length > DEFAULT_MAX_EARLY_BYTES
    ) {
      const error = new PreHandshakeOverflowError(link.early.length + 1, link.earlyBytes + f.payload.length)
      this.#fail(link, new Failure(DisconnectReason.HANDSHAKE_FAILED, error), CLOSE_PROTOCOL)
      return
    }
    link.earlyBytes += f.payload.length
    link.early.push({ ...f, payload: f.payload.slice() })
  }

  #hello(link: Link, f: Frame): void {
    let hello: ReturnType<typeof decodeHelloPayload>
    try {
      hello = decodeHelloPayload(f.payload)
    } catch (cause) {
      const error = new HandshakeError('malformed HELLO from the server', { cause })
      this.#fail(link, new Failure(DisconnectReason.HANDSHAKE_FAILED, error), CLOSE_PROTOCOL)
      return
    }
    const mine = this.#init.protocolVersion ?? PROTOCOL_VERSION
    if (!versionsCompatible(hello.version, mine)) {
      const error = new VersionMismatchError(mine, hello.version)
      this.#fail(link, new Failure(DisconnectReason.VERSION_MISMATCH, error, true))
      return
    }
    if (hello.capabilities?.get(CAP_ENC)?.[1] === 2) {
      const error = new UnsupportedFeatureError(
        'the server requires end-to-end encryption, which the browser client does not speak (use wss://)',
      )
      this.#fail(link, new Failure(DisconnectReason.HANDSHAKE_FAILED, error, true))
      return
    }
    link.helloId = f.requestId
    const auth = hello.capabilities?.has(CAP_AUTH) === true
    const version = encodeUtf8(mine)
    const ack = new Uint8Array(2 + version.length + (auth ? AUTH_BLOCK.length : 0))
    ack[0] = version.length >>> 8
    ack[1] = version.length
    ack.set(version, 2)
    if (auth) ack.set(AUTH_BLOCK, 2 + version.length)
    this.#write(link, HELLO_ACK, f.requestId, ack)
    if (!auth) {
      this.#complete(link)
      return
    }
    const t = this.#init.token
    link.authPending = true
    this.#write(link, AUTH, link.helloId, t === undefined ? EMPTY : typeof t === 'string' ? encodeUtf8(t) : t)
  }

  #complete(link: Link): void {
    clearTimeout(link.timer)
    link.handshakeDone = true
    link.authPending = false
    this.#link = link
    this.#lastError = undefined
    if (this.#everConnected) this.#stats.reconnects++
    this.#everConnected = true
    link.settle?.(undefined)
    this.#call('ON_CONNECT callback', this.#slots[Events.ON_CONNECT] as (() => unknown) | undefined)
    for (const cb of this.#connectCbs) this.#call('onConnect callback', cb)
    const early = link.early
    link.early = []
    for (const f of early)
      if (this.#link === link) this.#dispatch(new Response(this.registry.resolve(f.code), f))
  }

  #dispatch(response: Response): void {
    const route = this.#routes.get(response.type.code)
    if (route !== undefined) {
      const { type, handler } = route
      let r: Response = response
      if (type instanceof TypedMessageType) {
        try {
          r = type.decode(response)
        } catch (error) {
          this.#log.error(`veltix: ${type.name}: ${(error as Error).message}: message dropped`)
          return
        }
      }
      this.#call(`route ${type.name}`, handler, r, this)
      return
    }
    const slot = this.#slots[Events.ON_RECV] as ((response: Response) => unknown) | undefined
    if (slot === undefined && this.#recv.size === 0) {
      this.#log.warn(`veltix: no route and no ON_RECV callback for ${response.type.name}: message dropped`)
      return
    }
    this.#call('ON_RECV callback', slot, response)
    for (const cb of this.#recv) this.#call('onRecv callback', cb, response)
  }

  // --- sending ---------------------------------------------------------------------------------------------

  #write(link: Link, code: number, id: number, payload: Uint8Array): void {
    const frame = encodeFrame(code, id, payload)
    link.ws.send(frame)
    this.#stats.messagesOut++
    this.#stats.bytesOut += frame.length
  }

  #timeout(options: WaitOptions | undefined): number {
    return options?.timeout ?? this.#init.requestTimeout ?? 5000
  }

  #emit(reason: DisconnectReason, permanent: boolean, attempt: number, error: Error | undefined): void {
    const state: DisconnectState = {
      permanent,
      attempt,
      retryMax: this.#retryMax,
      reason,
      initial: !this.#everConnected,
    }
    if (error !== undefined) state.error = error
    this.#call(
      'ON_DISCONNECT callback',
      this.#slots[Events.ON_DISCONNECT] as ((s: DisconnectState) => unknown) | undefined,
      state,
    )
    for (const cb of this.#disconnectCbs) this.#call('onDisconnect callback', cb, state)
  }

  /** Runs a user callback: a throw or a rejected promise is logged, never thrown at the caller. */
  #call<A extends unknown[]>(what: string, fn: ((...args: A) => unknown) | undefined, ...args: A): void {
    if (fn === undefined) return
    const report = (error: unknown) =>
      this.#log.error(`veltix: ${what} failed: ${String((error as Error)?.stack ?? error)}`)
    try {
      const out = fn(...args)
      if (out instanceof Promise) out.catch(report)
    } catch (error) {
      report(error)
    }
  }
}

function add<T>(set: Set<T>, item: T): () => void {
  set.add(item)
  return () => void set.delete(item)
}
