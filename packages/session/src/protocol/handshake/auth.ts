import type { Capabilities, Frame } from '@veltix/codec'
import { LogLevel } from '@veltix/logger'
import { CAP_AUTH } from '../../constants.js'
import { AuthenticationError } from '../../errors.js'
import { AUTH, AUTH_CODE, AUTH_RESULT, AUTH_RESULT_CODE } from '../../system-types.js'
import type { CapabilityFactory, HandshakeCapability, HandshakeContext } from './capability.js'

/** What a server's `authenticate` hook sees: the client's handshake. */
export interface AuthenticateInfo {
  remoteAddress: string
  remotePort: number
  /** The client's HELLO_ACK capabilities (empty for a reference client). */
  capabilities: Capabilities
  /** The token the client supplied (`SessionInit.token`), or undefined (none, or a client that sends none). */
  token: Uint8Array | undefined
  /** True when the session is encrypted (the token then travelled encrypted). */
  encrypted: boolean
  /** The client's authenticated Ed25519 key (mutual authentication), else undefined. */
  peerIdentity: Uint8Array | undefined
  peerVersion: string | undefined
}

/** The session options of authentication (`S`: the session type the hook receives). */
export interface AuthOptions<S> {
  /**
   * Server: decides whether a client may proceed, after the (secure) handshake and before `onReady`. A
   * refused (false, a throw or a rejection) client gets `AuthenticationError` and never reaches `onReady` /
   * `onMessage`; the session closes with reason 'auth-refused'. Covered by `handshakeTimeout`.
   */
  authenticate?(info: AuthenticateInfo, session: S): boolean | Promise<boolean>
  /** Client: sent to a server that runs `authenticate` (encrypted when the session is). */
  token?: string | Uint8Array
}

const TYPES = [AUTH, AUTH_RESULT] as const
const EMPTY = new Uint8Array(0)
const YES = Uint8Array.of(1)
const NO = Uint8Array.of(0)

/**
 * Authentication (AUTH / AUTH_RESULT, capability `vx.auth`): a server with an `authenticate` hook announces
 * it; a client that sees it sends its token (id = the HELLO id) and waits for the verdict. A server whose
 * client does not announce it (a reference client) decides on no token, and sends no verdict.
 * @internal
 */
export const authentication: CapabilityFactory<AuthOptions<unknown>> = (init, role) => {
  if (role === 'client') return new ClientAuth(init.token)
  return init.authenticate === undefined ? undefined : new ServerAuth(init.authenticate)
}

class ClientAuth implements HandshakeCapability {
  readonly name = 'auth'
  readonly types = TYPES
  readonly #token: string | Uint8Array | undefined
  #peerAuth = false

  constructor(token: string | Uint8Array | undefined) {
    this.#token = token
  }

  accept(offered: Capabilities | null, caps: Map<string, Uint8Array>): void {
    this.#peerAuth = offered?.has(CAP_AUTH) === true
    if (this.#peerAuth) caps.set(CAP_AUTH, YES)
  }

  start(ctx: HandshakeContext): void {
    if (!this.#peerAuth) {
      ctx.next()
      return
    }
    const t = this.#token
    const token = t === undefined ? EMPTY : typeof t === 'string' ? Buffer.from(t, 'utf8') : t
    ctx.send(AUTH_CODE, ctx.helloId, token)
  }

  frame(f: Frame, ctx: HandshakeContext): boolean {
    if (f.requestId !== ctx.helloId || f.code !== AUTH_RESULT_CODE) return false
    if (f.payload.length >= 1 && f.payload[0] === 1) {
      ctx.next()
    } else {
      const why = f.payload.length > 1 ? Buffer.from(f.payload.subarray(1)).toString('utf8') : ''
      ctx.fail(
        new AuthenticationError(`the server refused the authentication${why === '' ? '' : `: ${why}`}`),
        'auth-refused',
      )
    }
    return true
  }
}

const WAIT_TOKEN = 1
const DECIDING = 2

class ServerAuth implements HandshakeCapability {
  readonly name = 'auth'
  readonly types = TYPES
  readonly #hook: NonNullable<AuthOptions<unknown>['authenticate']>
  #peerAuth = false
  #state = 0

  constructor(hook: NonNullable<AuthOptions<unknown>['authenticate']>) {
    this.#hook = hook
  }

  offer(caps: Map<string, Uint8Array>): void {
    caps.set(CAP_AUTH, YES)
  }

  start(ctx: HandshakeContext): void {
    this.#peerAuth = ctx.peerCapabilities.has(CAP_AUTH)
    if (this.#peerAuth)
      this.#state = WAIT_TOKEN // the client's AUTH comes next
    else this.#decide(ctx, undefined)
  }

  frame(f: Frame, ctx: HandshakeContext): boolean {
    if (this.#state !== WAIT_TOKEN || f.requestId !== ctx.helloId || f.code !== AUTH_CODE) return false
    this.#decide(ctx, new Uint8Array(f.payload))
    return true
  }

  #decide(ctx: HandshakeContext, token: Uint8Array | undefined): void {
    this.#state = DECIDING
    const info: AuthenticateInfo = {
      remoteAddress: ctx.connection.remoteAddress,
      remotePort: ctx.connection.remotePort,
      capabilities: ctx.peerCapabilities,
      token,
      encrypted: ctx.encrypted,
      peerIdentity: ctx.peerIdentity,
      peerVersion: ctx.peerVersion,
    }
    let verdict: boolean | Promise<boolean>
    try {
      verdict = this.#hook(info, ctx.session)
    } catch (error) {
      ctx.report(error instanceof Error ? error : new Error(String(error)), 'authenticate threw')
      verdict = false
    }
    if (typeof verdict === 'boolean') {
      this.#verdict(ctx, verdict)
      return
    }
    Promise.resolve(verdict).then(
      (ok) => this.#verdict(ctx, ok === true),
      (error: unknown) => {
        ctx.report(error instanceof Error ? error : new Error(String(error)), 'authenticate rejected')
        this.#verdict(ctx, false)
      },
    )
  }

  #verdict(ctx: HandshakeContext, ok: boolean): void {
    if (ctx.closed) return
    this.#state = 0
    if (ok) {
      if (this.#peerAuth) ctx.send(AUTH_RESULT_CODE, ctx.helloId, YES)
      ctx.next()
      return
    }
    const error = new AuthenticationError('refused by the server (authenticate returned false)')
    ctx.log(LogLevel.WARNING)?.warning(() => `closing: ${error.message}`, { conn: ctx.connection.id })
    if (this.#peerAuth) ctx.send(AUTH_RESULT_CODE, ctx.helloId, NO)
    // Graceful: the verdict is written before the end.
    ctx.refuse(error, 'auth-refused')
  }
}
