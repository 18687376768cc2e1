import { type Capabilities, DEFAULT_MAX_MESSAGE_SIZE, type Frame } from '@veltix/codec'
import { LogLevel } from '@veltix/logger'
import { ResumeExpiredError, ResumeProtocolError } from '../resume/errors.js'
import { RESUME, RESUME_ACK, RESUME_CODE, ResumeLink, readU64, writeU64 } from '../resume/link.js'
import { ResumeClient, type ResumeState, ResumeStore } from '../resume/state.js'
import {
  createResumeToken,
  RESUME_TOKEN_ID_LENGTH as ID_LEN,
  resumeProof,
  RESUME_TOKEN_SECRET_LENGTH as SECRET_LEN,
  verifyResumeProof,
} from '../resume/token.js'
import type { SecureLink } from '../secure-link.js'
import type { SessionCloseReason } from '../types.js'
import type { Waits } from '../waits.js'
import type { CapabilityFactory, HandshakeCapability, HandshakeContext } from './capability.js'

/** The capability key in the HELLO / HELLO_ACK block: server u8 1 ‖ u32 windowMs; client u8 1. */
export const RESUME_KEY = 'vx.r'
const VERSION = 1
const ECHO = Uint8Array.of(VERSION)
/** Request: u8 1 ‖ u8 flags (bit 0: a token follows) ‖ [id 16 ‖ proof 32] ‖ u64 delivered. */
const REQUEST_FRESH = 2 + 8
const REQUEST_TOKEN = 2 + ID_LEN + 32 + 8
/** Answer: u8 1 ‖ u8 flags (bit 0: recovered) ‖ new id 16 ‖ new secret 32 ‖ u64 delivered. */
const ANSWER = 2 + ID_LEN + SECRET_LEN + 8

/** The session options resume reads: a server's `ResumeStore`, or a client's `ResumeClient`. */
export interface ResumeOptions {
  resume?: ResumeStore | ResumeClient
  maxMessageSize?: number
}

/** The session's close hook on its outermost link (a `ResumeLink` has it). @internal */
export interface ResumeHooks {
  closing?(reason: SessionCloseReason, waits: Waits | undefined): boolean
}

/** What the resume phase needs beyond the handshake context: the waits of a resumed connection. @internal */
export interface ResumeContext extends HandshakeContext {
  adoptWaits(waits: Waits): void
}

/**
 * Resumable connections (capability `vx.r`): a server with a `ResumeStore` offers it, a client with a
 * `ResumeClient` echoes it; then one RESUME frame each way (the client's token and count, the server's verdict,
 * new token and count), each side replays what the other lacks, and a `ResumeLink` numbers what follows.
 * A reference peer, or one without it, never sees any of it. @internal
 */
export const resume: CapabilityFactory<ResumeOptions> = (init, role) => {
  const r = init.resume
  if (r === undefined) return undefined
  const max = init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE
  if (role === 'server') {
    if (!(r instanceof ResumeStore)) throw new TypeError('a server session takes a ResumeStore as `resume`')
    return new ServerResume(r, max)
  }
  if (!(r instanceof ResumeClient)) throw new TypeError('a client session takes a ResumeClient as `resume`')
  return new ClientResume(r, max)
}

const TYPES = [RESUME, RESUME_ACK] as const

function wrap(ctx: HandshakeContext, state: ResumeState, max: number, windowMs: number): ResumeLink {
  const link = new ResumeLink(ctx.out, state, ctx, max, windowMs)
  // The session treats it as its link: it forwards the secure link's members when one is inside.
  ctx.wrap(link as unknown as SecureLink)
  return link
}

/** The channel binding of an encrypted session (the proof is bound to it), else undefined. */
function bindingOf(ctx: HandshakeContext): Uint8Array | undefined {
  return (ctx.session as { channelBinding?: Uint8Array }).channelBinding
}

class ServerResume implements HandshakeCapability {
  readonly name = 'resume'
  readonly types = TYPES
  readonly #store: ResumeStore
  readonly #max: number

  constructor(store: ResumeStore, max: number) {
    this.#store = store
    this.#max = max
  }

  offer(caps: Map<string, Uint8Array>): void {
    const v = new Uint8Array(5)
    v[0] = VERSION
    new DataView(v.buffer).setUint32(1, Math.min(this.#store.windowMs, 0xffffffff))
    caps.set(RESUME_KEY, v)
  }

  start(ctx: HandshakeContext): void {
    // A client without it (a reference client among them): plain behaviour.
    if (ctx.peerCapabilities.get(RESUME_KEY)?.[0] !== VERSION) ctx.next()
  }

  frame(f: Frame, ctx: HandshakeContext): boolean {
    if (f.code !== RESUME_CODE) return false
    const p = f.payload
    const hasToken = p.length === REQUEST_TOKEN && p[0] === VERSION && (p[1]! & 1) === 1
    if (!hasToken && !(p.length === REQUEST_FRESH && p[0] === VERSION)) {
      throw new ResumeProtocolError(`a resume request of ${p.length} bytes`)
    }
    const store = this.#store
    const delivered = readU64(p, p.length - 8)
    let state: ResumeState | undefined
    if (hasToken) {
      const held = store.get(p.subarray(2, 2 + ID_LEN))
      const proof = p.subarray(2 + ID_LEN, 2 + ID_LEN + 32)
      // A wrong proof (a guessed or stolen id, a proof from another connection) gets a fresh start and
      // leaves the held state alone for its owner.
      // A state made encrypted resumes only on an encrypted connection (a leaked secret is no use in the clear).
      const binding = bindingOf(ctx)
      if (
        held?.token !== undefined &&
        held.encrypted === (binding !== undefined) &&
        verifyResumeProof(held.token.secret, proof, binding)
      ) {
        state = held
      } else {
        store.stats.expired++
        ctx
          .log(LogLevel.INFO)
          ?.info(() => 'resume refused: unknown, expired or mis-proved token: a fresh start')
      }
    }
    let recovered = state !== undefined
    if (state !== undefined && state.status === 'attached' && state.link !== undefined) {
      // Its old connection has not noticed the drop yet: it goes now, its waits stay with the state.
      state.moving()
      state.link.destroyOwner()
    }
    if (state !== undefined && state.replay.since(delivered) === undefined) {
      // The client claims less than it acknowledged: its replay is gone; nothing can be guaranteed.
      state.expire()
      recovered = false
    }
    if (!recovered) {
      state = store.create()
      state.encrypted = bindingOf(ctx) !== undefined
    }
    const st = state!
    const link = wrap(ctx, st, this.#max, store.windowMs)
    const waits = st.attach(link)
    if (waits !== undefined) (ctx as ResumeContext).adoptWaits(waits)
    const token = createResumeToken()
    store.issue(st, token)
    const answer = new Uint8Array(ANSWER)
    answer[0] = VERSION
    answer[1] = recovered ? 1 : 0
    answer.set(token.id, 2)
    answer.set(token.secret, 2 + ID_LEN)
    writeU64(answer, 2 + ID_LEN + SECRET_LEN, st.inbound.delivered)
    ctx.send(RESUME_CODE, ctx.helloId, answer)
    if (recovered) {
      store.stats.recovered++
      if (!link.replayTo(delivered)) throw new ResumeProtocolError('the replay could not be sent')
    }
    store.onAttach?.(ctx.session, recovered, st)
    ctx.next()
    return true
  }
}

class ClientResume implements HandshakeCapability {
  readonly name = 'resume'
  readonly types = TYPES
  readonly #client: ResumeClient
  readonly #max: number
  #on = false
  #link: ResumeLink | undefined = undefined
  #waits: Waits | undefined = undefined

  constructor(client: ResumeClient, max: number) {
    this.#client = client
    this.#max = max
  }

  accept(offered: Capabilities | null, caps: Map<string, Uint8Array>): void {
    const v = offered?.get(RESUME_KEY)
    if (v === undefined || v.length < 5 || v[0] !== VERSION) return
    caps.set(RESUME_KEY, ECHO)
    this.#on = true
    this.#client.windowMs = new DataView(v.buffer, v.byteOffset, v.byteLength).getUint32(1)
  }

  start(ctx: HandshakeContext): void {
    const c = this.#client
    const st = c.state
    if (!this.#on) {
      // This server does not resume (any more): what was held is lost.
      c.giveUp()
      c.recovered = false
      ctx.next()
      return
    }
    const token = st.status === 'held' ? st.token : undefined
    const req = new Uint8Array(token === undefined ? REQUEST_FRESH : REQUEST_TOKEN)
    req[0] = VERSION
    if (token !== undefined) {
      req[1] = 1
      req.set(token.id, 2)
      req.set(resumeProof(token.secret, bindingOf(ctx)), 2 + ID_LEN)
      writeU64(req, 2 + ID_LEN + 32, st.inbound.delivered)
    } else {
      if (st.status !== 'held') st.restart()
    }
    this.#link = wrap(ctx, st, this.#max, c.windowMs)
    this.#waits = st.attach(this.#link)
    ctx.send(RESUME_CODE, ctx.helloId, req)
  }

  frame(f: Frame, ctx: HandshakeContext): boolean {
    if (f.code !== RESUME_CODE) return false
    const p = f.payload
    if (p.length !== ANSWER || p[0] !== VERSION)
      throw new ResumeProtocolError(`a resume answer of ${p.length} bytes`)
    const c = this.#client
    const st = c.state
    const link = this.#link!
    const recovered = (p[1]! & 1) === 1 && st.token !== undefined
    st.token = { id: p.slice(2, 2 + ID_LEN), secret: p.slice(2 + ID_LEN, 2 + ID_LEN + SECRET_LEN) }
    const peerDelivered = readU64(p, 2 + ID_LEN + SECRET_LEN)
    const waits = this.#waits
    this.#waits = undefined
    if (recovered && link.replayTo(peerDelivered)) {
      c.stats.recovered++
      if (waits !== undefined) (ctx as ResumeContext).adoptWaits(waits)
    } else {
      // A fresh start: what the old connection held is lost (counted), both sides number from 1 again.
      if (st.replay.length > 0 || waits !== undefined || st.inbound.delivered > 0) {
        c.stats.expired++
        c.stats.lostMessages += st.replay.length
        if (waits !== undefined) {
          c.stats.lostRequests += waits.size
          waits.failAll(() => new ResumeExpiredError())
        }
      }
      st.restart()
      st.attach(link)
    }
    c.recovered = recovered
    ctx.next()
    return true
  }
}
