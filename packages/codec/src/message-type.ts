import {
  APPLICATION_CODE_MAX,
  APPLICATION_CODE_MIN,
  PLUGIN_CODE_MAX,
  PLUGIN_CODE_MIN,
  SYSTEM_CODE_MAX,
  SYSTEM_CODE_MIN,
} from './constants.js'
import { InvalidMessageTypeError } from './errors.js'

/** Which conventional range a type code falls in. */
export type MessageTypeRange = 'system' | 'application' | 'plugin'

/** A message type: a u16 code, a name and an optional description. Creating one registers it nowhere. */
export class MessageType {
  readonly code: number
  readonly name: string
  readonly description: string

  constructor(code: number, name: string, description = '') {
    if (!Number.isInteger(code) || code < 0 || code > 0xffff) {
      throw new InvalidMessageTypeError(
        `invalid message type code ${code}: must be an integer from 0 to 65535`,
      )
    }
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidMessageTypeError(`message type ${code} needs a non-empty name`)
    }
    this.code = code
    this.name = name
    this.description = description
  }

  /** The conventional range of this type's code: system 0–199, application 200–499, plugin 500+. */
  get range(): MessageTypeRange {
    return rangeOf(this.code)
  }

  toString(): string {
    return `${this.name}(${this.code})`
  }
}

export function rangeOf(code: number): MessageTypeRange {
  if (code >= SYSTEM_CODE_MIN && code <= SYSTEM_CODE_MAX) return 'system'
  if (code >= APPLICATION_CODE_MIN && code <= APPLICATION_CODE_MAX) return 'application'
  if (code >= PLUGIN_CODE_MIN && code <= PLUGIN_CODE_MAX) return 'plugin'
  throw new InvalidMessageTypeError(`invalid message type code ${code}`)
}

/** The system message types of the protocol. */
export const PING = new MessageType(0, 'PING', 'Ping request; answered with PONG carrying the same id')
export const PONG = new MessageType(1, 'PONG', 'Answer to PING')
export const HEARTBEAT = new MessageType(2, 'HEARTBEAT', 'Keep-alive')
export const HELLO = new MessageType(10, 'HELLO', 'Server handshake: protocol version (+ capabilities)')
export const HELLO_ACK = new MessageType(11, 'HELLO_ACK', 'Client handshake answer, same id as the HELLO')
export const ERROR = new MessageType(20, 'ERROR', 'Error report')
export const INVALID_REQUEST = new MessageType(21, 'INVALID_REQUEST', 'The peer sent an invalid request')

export const SYSTEM_TYPES: readonly MessageType[] = Object.freeze([
  PING,
  PONG,
  HEARTBEAT,
  HELLO,
  HELLO_ACK,
  ERROR,
  INVALID_REQUEST,
])

const EMPTY_PAGE = new Uint8Array(256)

/**
 * A set of message types keyed by code. Not process-global: every server or client owns its own, so two
 * servers in one process never collide. Starts with the system types unless told otherwise.
 */
export class MessageTypeRegistry {
  readonly #byCode = new Map<number, MessageType>()
  // The decoder's per-frame lookup is two array reads: a page per high byte of the code, one byte per code in
  // it. Pages are allocated on first use (a registry typically needs one or two: about 1.5 KiB in all, where
  // a flat table of every code would cost 64 KiB per client); unused ones share one all-zero page.
  readonly #pages: Uint8Array[] = []

  constructor(types: Iterable<MessageType> = SYSTEM_TYPES) {
    for (const t of types) this.register(t)
  }

  /**
   * Adds `type`. Returns false when that exact type (same code and name) is already there; throws
   * `InvalidMessageTypeError` when another type already holds the code.
   */
  register(type: MessageType): boolean {
    const existing = this.#byCode.get(type.code)
    if (existing !== undefined) {
      if (existing === type || existing.name === type.name) return false
      throw new InvalidMessageTypeError(
        `message type code ${type.code} is already registered as '${existing.name}', cannot register '${type.name}'`,
      )
    }
    this.#byCode.set(type.code, type)
    const hi = type.code >>> 8
    while (this.#pages.length <= hi) this.#pages.push(EMPTY_PAGE) // packed, never holey
    let page = this.#pages[hi]!
    if (page === EMPTY_PAGE) {
      page = new Uint8Array(256)
      this.#pages[hi] = page
    }
    page[type.code & 0xff] = 1
    return true
  }

  /** Removes the type with `code`; false when there was none. */
  unregister(code: number): boolean {
    if (!this.#byCode.delete(code)) return false
    this.#pages[code >>> 8]![code & 0xff] = 0 // registered, so its page exists
    return true
  }

  has(code: number): boolean {
    // Anything but an integer from 0 to 65535 (negative, fractional, too large) fails the first test.
    const page = this.#pages[code >>> 8]
    return (code & 0xffff) === code && page !== undefined && page[code & 0xff] === 1
  }

  get(code: number): MessageType | undefined {
    return this.#byCode.get(code)
  }

  /** The registered type for `code`, or an anonymous `MessageType(code, 'UNKNOWN_<code>')`. */
  resolve(code: number): MessageType {
    return this.#byCode.get(code) ?? new MessageType(code, `UNKNOWN_${code}`)
  }

  get size(): number {
    return this.#byCode.size
  }

  list(): MessageType[] {
    return [...this.#byCode.values()].sort((a, b) => a.code - b.code)
  }
}
