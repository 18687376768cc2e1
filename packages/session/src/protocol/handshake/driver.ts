import { randomInt } from 'node:crypto'
import {
  type Capabilities,
  decodeHelloPayload,
  ERROR,
  encodeHelloPayload,
  type Frame,
  HELLO,
  HELLO_ACK,
  requestIdHex,
  versionsCompatible,
} from '@veltix/codec'
import {
  DEFAULT_HANDSHAKE_TIMEOUT,
  DEFAULT_MAX_EARLY_BYTES,
  DEFAULT_MAX_EARLY_FRAMES,
  MAX_TIMER_DELAY,
} from '../../constants.js'
import {
  HandshakeError,
  HandshakeTimeoutError,
  PreHandshakeOverflowError,
  ServerRefusedError,
  VersionMismatchError,
} from '../../errors.js'
import type { HandshakeMode } from '../types.js'
import type { HandshakeCapability, HandshakeContext } from './capability.js'

const HELLO_CODE = HELLO.code
const HELLO_ACK_CODE = HELLO_ACK.code
const ERROR_CODE = ERROR.code

/** The session options the driver reads. @internal */
export interface DriverInit {
  capabilities?: Capabilities
  handshakeTimeout?: number
  handshakeMode?: HandshakeMode
  maxEarlyFrames?: number
  maxEarlyBytes?: number
}

/** What the driver calls besides the capabilities' context: the session's own steps. @internal */
export interface DriverHost extends HandshakeContext {
  /** The peer's HELLO / HELLO_ACK was read. */
  setPeer(version: string, capabilities: Capabilities | null): void
  /** Every phase is done: the session is ready. */
  complete(): void
}

function copyFrame(f: Frame): Frame {
  return { code: f.code, requestId: f.requestId, timestamp: f.timestamp, payload: new Uint8Array(f.payload) }
}

/**
 * Drives one session's handshake: the HELLO / HELLO_ACK exchange (hardened as the README says: a HELLO id
 * per connection, a strict HELLO_ACK check, a timeout), then each capability's phase in turn; holds the
 * application frames that come early. Exists only until the handshake is over, so an idle session is small.
 * @internal
 */
export class HandshakeDriver<I extends DriverInit = DriverInit> {
  readonly init: I
  helloId = -1
  /** `ready`'s settlers, once someone asked for `ready` before the handshake ended. */
  resolve: (() => void) | undefined = undefined
  reject: ((e: Error) => void) | undefined = undefined
  readonly #host: DriverHost
  #capabilities: readonly HandshakeCapability[] = []
  /** The running phase; -1 during the HELLO / HELLO_ACK exchange. */
  #phase = -1
  #ackReceived = false
  /** Server: its HELLO payload, kept for `exchanged` when a capability wants it. */
  #hello: Uint8Array | undefined = undefined
  #timer: NodeJS.Timeout | undefined = undefined
  /** Frames held until the handshake is done (created on the first one). */
  #early: Frame[] | undefined = undefined
  #earlyBytes = 0

  constructor(host: DriverHost, init: I) {
    this.#host = host
    this.init = init
    const timeout = init.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT
    if (timeout > 0 && timeout !== Number.POSITIVE_INFINITY) {
      this.#timer = setTimeout(
        () => {
          this.#timer = undefined
          host.fail(new HandshakeTimeoutError(timeout), 'handshake-timeout')
        },
        Math.min(timeout, MAX_TIMER_DELAY),
      )
    }
  }

  /**
   * Starts with these capabilities: a server sends its HELLO now (with `helloId`, default a random u32), a
   * client waits for the server's.
   */
  begin(capabilities: readonly HandshakeCapability[], helloId?: number): void {
    this.#capabilities = capabilities
    const host = this.#host
    if (host.role !== 'server') return
    // A random id per connection: scoped to it, and not guessable from another connection's HELLO.
    this.helloId = helloId ?? randomInt(0, 0x1_0000_0000)
    let hello: Uint8Array
    try {
      let caps = this.init.capabilities
      if (capabilities.length > 0) {
        const entries = this.#entries()
        for (const c of capabilities) c.offer?.(entries, host)
        caps = this.#block(entries)
      }
      hello = encodeHelloPayload(host.protocolVersion, caps)
    } catch (error) {
      host.fail(toError(error), 'handshake-failed')
      return
    }
    for (const c of capabilities) if (c.exchanged !== undefined) this.#hello = hello
    host.send(HELLO_CODE, this.helloId, hello)
  }

  /**
   * The 2.x wire with a peer that sent no HELLO of ours (a Python peer): nothing is sent; the capabilities see
   * what a reference peer's 1.6.3 handshake shows them (a block-less HELLO / HELLO_ACK), then the phases run.
   */
  beginWithoutHello(capabilities: readonly HandshakeCapability[], peerVersion: string): void {
    this.#capabilities = capabilities
    const host = this.#host
    host.setPeer(peerVersion, null)
    try {
      const entries = this.#entries()
      if (host.role === 'server') {
        for (const c of capabilities) c.offer?.(entries, host)
        const hello = encodeHelloPayload(host.protocolVersion, this.#block(entries))
        const ack = encodeHelloPayload(host.protocolVersion, undefined)
        for (const c of capabilities) c.exchanged?.(hello, ack, host)
      } else for (const c of capabilities) c.accept?.(null, entries, host)
    } catch (error) {
      host.fail(toError(error), 'handshake-failed')
      return
    }
    this.next()
  }

  /** A frame before the handshake is done (not a PING): true when the handshake took it. */
  frame(f: Frame): boolean {
    const phase = this.#phase
    if (phase >= 0) {
      const c = this.#capabilities[phase]
      return c?.frame?.(f, this.#host) === true
    }
    const code = f.code
    if (this.#host.role === 'client') {
      if (code === HELLO_CODE) {
        this.#clientHello(f)
        return true
      }
      if (code === ERROR_CODE && this.helloId === -1) {
        // An ERROR before any HELLO: the server refuses this connection (it closes next). Say why, typed.
        const why = Buffer.from(f.payload).toString('utf8').slice(0, 512)
        this.#host.fail(new ServerRefusedError(why), 'handshake-failed')
        return true
      }
      return false
    }
    if (f.requestId === this.helloId && !this.#ackReceived) {
      this.#ackReceived = true
      this.#serverAck(f)
      return true
    }
    if (code === HELLO_ACK_CODE) {
      // A HELLO_ACK that does not carry this connection's HELLO id (e.g. another connection's).
      const why = `HELLO_ACK with id ${requestIdHex(f.requestId)}, expected ${requestIdHex(this.helloId)}`
      if (this.init.handshakeMode !== 'lenient') {
        this.#host.fail(new HandshakeError(why), 'handshake-failed')
        return true
      }
      this.#host.droppedHandshakeFrame()
      this.#host.report(new HandshakeError(`${why}: dropped`), 'dropped frame')
      return true
    }
    return false
  }

  /** An application frame before the handshake is done: held (bounded) until `onReady`. */
  hold(f: Frame): void {
    this.#early ??= []
    const early = this.#early
    const n = f.payload.length
    if (
      early.length >= (this.init.maxEarlyFrames ?? DEFAULT_MAX_EARLY_FRAMES) ||
      this.#earlyBytes + n > (this.init.maxEarlyBytes ?? DEFAULT_MAX_EARLY_BYTES)
    ) {
      this.#host.fail(
        new PreHandshakeOverflowError(early.length + 1, this.#earlyBytes + n),
        'handshake-failed',
      )
      return
    }
    this.#earlyBytes += n
    early.push(copyFrame(f))
  }

  /** The running phase is over: starts the next one, or completes the handshake. */
  next(): void {
    const host = this.#host
    if (host.closed) return
    const i = this.#phase + 1
    const c = this.#capabilities[i]
    if (c === undefined) {
      this.#phase = this.#capabilities.length
      host.complete()
      return
    }
    this.#phase = i
    try {
      c.start(host)
    } catch (error) {
      host.fail(toError(error), 'handshake-failed')
    }
  }

  /** The handshake is over (completed or not): clears the timer and the capabilities; returns the held frames. */
  finish(): Frame[] | undefined {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#hello = undefined
    for (const c of this.#capabilities) c.cleanup?.()
    this.#capabilities = []
    const early = this.#early
    this.#early = undefined
    return early
  }

  #clientHello(f: Frame): void {
    const host = this.#host
    let hello: ReturnType<typeof decodeHelloPayload>
    try {
      hello = decodeHelloPayload(f.payload)
    } catch (cause) {
      host.fail(new HandshakeError('malformed HELLO from the server', { cause }), 'handshake-failed')
      return
    }
    if (!versionsCompatible(hello.version, host.protocolVersion)) {
      // Closed at once (the reference waits for its timeout).
      host.fail(new VersionMismatchError(host.protocolVersion, hello.version), 'version-mismatch')
      return
    }
    host.setPeer(hello.version, hello.capabilities)
    this.helloId = f.requestId
    let ack: Uint8Array
    try {
      const caps = this.#entries()
      for (const c of this.#capabilities) c.accept?.(hello.capabilities, caps, host)
      // Capabilities only to a server that announced some: a reference server gets the reference's exact bytes.
      ack = encodeHelloPayload(
        host.protocolVersion,
        hello.capabilities === null ? undefined : this.#block(caps),
      )
      for (const c of this.#capabilities) c.exchanged?.(f.payload, ack, host)
    } catch (error) {
      host.fail(toError(error), 'handshake-failed')
      return
    }
    host.send(HELLO_ACK_CODE, f.requestId, ack)
    this.next()
  }

  /** Server: the frame with the HELLO id (a HELLO_ACK, or any frame in lenient mode). */
  #serverAck(f: Frame): void {
    const host = this.#host
    const lenient = this.init.handshakeMode === 'lenient'
    let ack: Uint8Array | undefined
    if (f.code !== HELLO_ACK_CODE) {
      if (!lenient) {
        host.fail(
          new HandshakeError(`expected HELLO_ACK (code 11) with the HELLO id, got code ${f.code}`),
          'handshake-failed',
        )
        return
      }
      // Lenient (the reference): any frame with the id completes the handshake and is consumed.
    } else {
      let hello: ReturnType<typeof decodeHelloPayload> | undefined
      try {
        hello = decodeHelloPayload(f.payload)
      } catch (cause) {
        if (!lenient) {
          host.fail(new HandshakeError('malformed HELLO_ACK', { cause }), 'handshake-failed')
          return
        }
      }
      if (hello !== undefined) {
        if (!lenient && !versionsCompatible(hello.version, host.protocolVersion)) {
          host.fail(new VersionMismatchError(host.protocolVersion, hello.version), 'version-mismatch')
          return
        }
        host.setPeer(hello.version, hello.capabilities)
        ack = f.payload
      }
    }
    const hello = this.#hello
    this.#hello = undefined
    if (hello !== undefined) {
      try {
        for (const c of this.#capabilities) c.exchanged?.(hello, ack, host)
      } catch (error) {
        host.fail(toError(error), 'handshake-failed')
        return
      }
    }
    this.next()
  }

  /** The application's capabilities, to which the capabilities add theirs. */
  #entries(): Map<string, Uint8Array> {
    const app = this.init.capabilities
    return app === undefined ? new Map() : new Map(app)
  }

  /** No block when neither the application nor a capability has an entry (the reference's exact bytes). */
  #block(caps: Map<string, Uint8Array>): Capabilities | undefined {
    return caps.size === 0 && this.init.capabilities === undefined ? undefined : caps
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
