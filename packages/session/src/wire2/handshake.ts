import { DEFAULT_HANDSHAKE_TIMEOUT } from '../constants.js'
import {
  type HandshakeError,
  HandshakeTimeoutError,
  ServerRefusedError,
  VersionMismatchError,
} from '../errors.js'
import {
  WIRE2_CLIENT_ID_MAX,
  WIRE2_DEFAULT_ID_WINDOW,
  WIRE2_MAX_HANDSHAKE_MESSAGE,
  WIRE2_META_EXTRAS_KEY,
  WIRE2_PROTOCOL_VERSION,
  WIRE2_SERVER_ID_WINDOW,
  WIRE2_VERSION,
} from './constants.js'
import { HandshakeMessageError, ServerFullError } from './errors.js'
import { pythonJson } from './json.js'
import { peerVersionAccepted } from './version.js'

/** Options of a `Wire2Handshake`. */
export interface Wire2HandshakeInit {
  role: 'client' | 'server'
  /** ms the whole handshake may take (the owner's timer calls `expire()`); default 5000. */
  timeout?: number
  /** The `v` sent; default `'2.0.0'` (what 2.0.0rc1 accepts). */
  version?: string
  /** The `pv` sent; default `'1.0'` (what 2.0.3+ / 3.x accept); null: leave it out (2.0.0rc1's own shape). */
  protocolVersion?: string | null
  /** Server: the `meta.id_window` announced; default 32768 (null: none). */
  idWindow?: number | null
  /**
   * Our extras for a Veltix for TypeScript peer, sent as `meta.vx` (a reference peer ignores it). A client sends
   * them only to a server whose hello carried some: a Python server gets the reference's own shape.
   */
  extras?: Record<string, unknown>
  /** Server: refuse with `{"error": refuse}` instead of the hello (e.g. `'server_full'`), then close. */
  refuse?: string
  /** Cap on one received message's JSON bytes; default 30 KiB. */
  maxMessageBytes?: number
}

/** What the peer said, once the handshake is over. */
export interface Wire2Peer {
  /** Its `v`, `pv` (when sent) and `meta` (an object; `{}` when absent). */
  v: string | undefined
  pv: string | undefined
  meta: Record<string, unknown>
  /** Its extras (`meta.vx`) when it is a Veltix for TypeScript peer that sent some, else undefined. */
  extras: Record<string, unknown> | undefined
}

/** The outcome of a completed handshake. */
export interface Wire2HandshakeResult {
  peer: Wire2Peer
  /**
   * The ids this side allocates from: a client `[0, min(window, 32768) - 1]` (the server's `meta.id_window`,
   * 30000 when absent), a server `[32768, 65535]`.
   */
  idMin: number
  idMax: number
  /** Bytes received after the last handshake message: the start of the frame stream. */
  rest: Uint8Array
  /** Both sides sent `meta.vx`: two Veltix for TypeScript peers (our extras may be negotiated). */
  extension: boolean
}

/** One step's effects: bytes to write, then maybe the end (done or failed: close without writing more). */
export interface Wire2Step {
  send?: Uint8Array
  done?: Wire2HandshakeResult
  error?: HandshakeError
}

export type Wire2HandshakeState =
  | 'idle'
  | 'waiting-hello'
  | 'waiting-reply'
  | 'waiting-ack'
  | 'done'
  | 'failed'

const EMPTY = new Uint8Array(0)
const NONE: Wire2Step = {}
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Encodes one handshake message: u16 length, then the object as Python's `json.dumps` writes it. */
export function encodeHandshakeMessage(message: Record<string, unknown>): Uint8Array {
  const json = Buffer.from(pythonJson(message), 'utf8')
  if (json.length > 0xffff)
    throw new RangeError(`handshake message of ${json.length} bytes: over the u16 length`)
  const out = new Uint8Array(2 + json.length)
  out[0] = json.length >>> 8
  out[1] = json.length
  out.set(json, 2)
  return out
}

/**
 * The JSON handshake of the reference's 2.x / 3.x wire (WIRE-2.md §2, §7), sans I/O: feed it what the socket
 * reads (`receive`), write what it returns (`send`), call `expire()` when its `timeout` passes, and on `done`
 * hand `rest` to the frame decoder; on `error` close the socket without writing anything more (as the
 * reference does). Nothing is read past the last message, so a frame in the ack's TCP segment is kept.
 */
export class Wire2Handshake {
  readonly role: 'client' | 'server'
  readonly timeout: number
  #state: Wire2HandshakeState = 'idle'
  readonly #init: Wire2HandshakeInit
  readonly #maxBytes: number
  #buffer: Uint8Array = EMPTY
  #peer: Wire2Peer | undefined
  #idWindow = WIRE2_DEFAULT_ID_WINDOW
  #sentExtras = false

  constructor(init: Wire2HandshakeInit) {
    this.role = init.role
    this.#init = init
    this.timeout = init.timeout ?? DEFAULT_HANDSHAKE_TIMEOUT
    this.#maxBytes = init.maxMessageBytes ?? WIRE2_MAX_HANDSHAKE_MESSAGE
    if (!(this.timeout > 0)) throw new RangeError(`handshake timeout must be > 0 ms, got ${this.timeout}`)
  }

  get state(): Wire2HandshakeState {
    return this.#state
  }

  /** First step. Server: its hello (or its refusal, then failed). Client: nothing, it waits for the hello. */
  start(): Wire2Step {
    if (this.#state !== 'idle') throw new Error('Wire2Handshake.start() called twice')
    if (this.role === 'client') {
      this.#state = 'waiting-hello'
      return NONE
    }
    if (this.#init.refuse !== undefined) {
      this.#state = 'failed'
      return {
        send: encodeHandshakeMessage({ error: this.#init.refuse }),
        error: new ServerRefusedError(this.#init.refuse),
      }
    }
    this.#state = 'waiting-reply'
    const meta: Record<string, unknown> = {}
    const window = this.#init.idWindow === undefined ? WIRE2_SERVER_ID_WINDOW : this.#init.idWindow
    if (window !== null) meta.id_window = window
    return { send: encodeHandshakeMessage(this.#ours(meta, true)) }
  }

  /** Feeds bytes read from the socket. */
  receive(chunk: Uint8Array): Wire2Step {
    const s = this.#state
    if (s === 'done' || s === 'failed' || s === 'idle') {
      throw new Error(`Wire2Handshake.receive() in state '${s}'`)
    }
    this.#buffer = this.#buffer.length === 0 ? chunk : concat(this.#buffer, chunk)
    const b = this.#buffer
    if (b.length < 2) return NONE
    const length = (b[0]! << 8) | b[1]!
    if (s === 'waiting-hello' && b.length >= 3 && length === 0x0a && b[2] === 0) {
      return this.#fail(
        new HandshakeMessageError(
          "the server speaks Veltix 1.6.3 (its first bytes are a HELLO frame), not the 2.x wire: use protocol 'auto' or '1.6'",
        ),
      )
    }
    if (length === 0 || length > this.#maxBytes) {
      return this.#fail(
        new HandshakeMessageError(
          `handshake message length ${length}: must be from 1 to ${this.#maxBytes} bytes of JSON`,
        ),
      )
    }
    if (b.length < 2 + length) return NONE
    let message: Record<string, unknown>
    try {
      const parsed: unknown = JSON.parse(utf8.decode(b.subarray(2, 2 + length)))
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return this.#fail(new HandshakeMessageError('handshake message is not a JSON object'))
      }
      message = parsed as Record<string, unknown>
    } catch (cause) {
      return this.#fail(new HandshakeMessageError('handshake message is not UTF-8 JSON', { cause }))
    }
    this.#buffer = b.subarray(2 + length)
    if (s === 'waiting-hello') return this.#onHello(message)
    if (s === 'waiting-reply') return this.#onReply(message)
    return this.#onAck(message)
  }

  /** The owner's timer fired: the handshake failed with `HandshakeTimeoutError` (no-op once it is over). */
  expire(): Wire2Step {
    if (this.#state === 'done' || this.#state === 'failed') return NONE
    return this.#fail(new HandshakeTimeoutError(this.timeout))
  }

  #onHello(m: Record<string, unknown>): Wire2Step {
    if ('error' in m) {
      const reason = String(m.error)
      return this.#fail(reason === 'server_full' ? new ServerFullError() : new ServerRefusedError(reason))
    }
    if (!peerVersionAccepted(m)) return this.#fail(this.#mismatch(m))
    this.#peer = peerOf(m)
    const w = this.#peer.meta.id_window
    if (typeof w === 'number' && Number.isInteger(w) && w >= 1 && w <= 65536) this.#idWindow = w
    this.#state = 'waiting-ack'
    const step: Wire2Step = { send: encodeHandshakeMessage(this.#ours({}, this.#peer.extras !== undefined)) }
    // Defensive: a server never sends its ack before our reply, but if bytes are already here, read them.
    if (this.#buffer.length > 0) return { ...step, ...this.receive(EMPTY) }
    return step
  }

  #onReply(m: Record<string, unknown>): Wire2Step {
    if (!peerVersionAccepted(m)) return this.#fail(this.#mismatch(m))
    this.#peer = peerOf(m)
    return { send: encodeHandshakeMessage({ result: 'ok' }), done: this.#finish() }
  }

  #onAck(m: Record<string, unknown>): Wire2Step {
    if (m.result !== 'ok') {
      if ('error' in m) return this.#fail(new ServerRefusedError(String(m.error)))
      return this.#fail(
        new HandshakeMessageError(`expected the server's {"result": "ok"}, got ${JSON.stringify(m)}`),
      )
    }
    return { done: this.#finish() }
  }

  #finish(): Wire2HandshakeResult {
    this.#state = 'done'
    const rest = this.#buffer
    this.#buffer = EMPTY
    const client = this.role === 'client'
    return {
      peer: this.#peer!,
      idMin: client ? 0 : WIRE2_SERVER_ID_WINDOW,
      idMax: client ? Math.min(this.#idWindow - 1, WIRE2_CLIENT_ID_MAX) : 0xffff,
      rest,
      extension: this.#sentExtras && this.#peer!.extras !== undefined,
    }
  }

  #ours(meta: Record<string, unknown>, withExtras: boolean): Record<string, unknown> {
    const pv = this.#init.protocolVersion === undefined ? WIRE2_PROTOCOL_VERSION : this.#init.protocolVersion
    if (withExtras && this.#init.extras !== undefined) {
      meta[WIRE2_META_EXTRAS_KEY] = this.#init.extras
      this.#sentExtras = true
    }
    const out: Record<string, unknown> = { v: this.#init.version ?? WIRE2_VERSION }
    if (pv !== null) out.pv = pv
    out.meta = meta
    return out
  }

  #mismatch(m: Record<string, unknown>): VersionMismatchError {
    const peer = typeof m.pv === 'string' ? `pv ${m.pv}` : typeof m.v === 'string' ? m.v : JSON.stringify(m)
    return new VersionMismatchError(`${WIRE2_VERSION} (pv ${WIRE2_PROTOCOL_VERSION})`, peer)
  }

  #fail(error: HandshakeError): Wire2Step {
    this.#state = 'failed'
    this.#buffer = EMPTY
    return { error }
  }
}

function peerOf(m: Record<string, unknown>): Wire2Peer {
  const meta =
    m.meta !== null && typeof m.meta === 'object' && !Array.isArray(m.meta)
      ? (m.meta as Record<string, unknown>)
      : {}
  const x = meta[WIRE2_META_EXTRAS_KEY]
  return {
    v: typeof m.v === 'string' ? m.v : undefined,
    pv: typeof m.pv === 'string' ? m.pv : undefined,
    meta,
    extras:
      x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined,
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
