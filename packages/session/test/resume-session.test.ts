// Resumable sessions over in-memory connection pairs: exactly once and in order across drops, waits kept,
// tokens single use and unguessable, the byte bound, and a peer without resume.
import { randomBytes } from 'node:crypto'
import { MessageType, MessageTypeRegistry, Request, type Response } from '@veltix/codec'
import { type Connection, createConnectionPair } from '@veltix/transport'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ConnectionClosedError,
  fingerprint,
  generateIdentity,
  ResumeBufferFullError,
  ResumeClient,
  ResumeExpiredError,
  ResumeStore,
  Session,
  type SessionInit,
} from '../src/index.js'

const NUM = new MessageType(200, 'num')
const registry = new MessageTypeRegistry()
registry.register(NUM)

const open: Session[] = []
const stores: ResumeStore[] = []
afterEach(() => {
  for (const s of open.splice(0)) s.destroy()
  for (const s of stores.splice(0)) s.clear()
})

interface Ends {
  server: Session
  client: Session
  a: Connection
  b: Connection
  /** A network cut: both sides see a reset (a pair's own destroy reads as a deliberate local close). */
  cut(): void
}

/** Reports the close as a reset once `flag.cut` is set. */
function cuttable(c: Connection, flag: { cut: boolean }): Connection {
  const set = c.setHandler.bind(c)
  c.setHandler = (h) =>
    set({
      frame: (f) => h.frame(f),
      decodeError: (e) => h.decodeError?.(e),
      drain: () => h.drain?.(),
      close: (info) => h.close(flag.cut ? { reason: 'reset' } : info),
    })
  return c
}

/** One connection between a server session (with `store`) and a client session (with `rc`). */
async function link(
  store: ResumeStore | undefined,
  rc: ResumeClient | undefined,
  atServer: number[],
  atClient: number[],
  onServer?: (r: Response, s: Session) => void,
  extra: { server?: Partial<SessionInit>; client?: Partial<SessionInit> } = {},
): Promise<Ends> {
  const flag = { cut: false }
  const [a, b] = createConnectionPair().map((c) => cuttable(c, flag)) as [Connection, Connection]
  const server = new Session({
    connection: a,
    role: 'server',
    registry,
    ...extra.server,
    ...(store === undefined ? {} : { resume: store }),
    onMessage: (r, s) => {
      if (onServer !== undefined) onServer(r, s)
      else atServer.push(Number(r.text()))
    },
  })
  const client = new Session({
    connection: b,
    role: 'client',
    registry,
    ...extra.client,
    ...(rc === undefined ? {} : { resume: rc }),
    onMessage: (r) => atClient.push(Number(r.text())),
  })
  open.push(server, client)
  await Promise.all([server.ready, client.ready])
  const cut = (): void => {
    flag.cut = true
    a.destroy()
    b.destroy()
  }
  return { server, client, a, b, cut }
}

const seq = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
const msg = (n: number): Request => new Request(NUM, String(n))
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5))

describe('resumable sessions', () => {
  it('deliver every message exactly once and in order across 25 drops, both ways', async () => {
    const store = new ResumeStore({ windowMs: 5000 })
    stores.push(store)
    const rc = new ResumeClient()
    const atServer: number[] = []
    const atClient: number[] = []
    let ends = await link(store, rc, atServer, atClient)
    let up = 0
    let down = 0
    const recovered: boolean[] = []
    for (let drop = 0; drop < 25; drop++) {
      for (let i = 0; i < 30; i++) {
        expect(ends.client.send(msg(up++))).toBe(true)
        expect(ends.server.send(msg(down++))).toBe(true)
      }
      // some arrive, some are in flight when the connection drops
      if (drop % 2 === 0) await tick()
      ends.cut()
      // sent on the dropped session while it is held: kept and replayed
      expect(ends.server.send(msg(down++))).toBe(true)
      let attached: boolean | undefined
      store.onAttach = (_s, r) => {
        attached = r
      }
      ends = await link(store, rc, atServer, atClient)
      recovered.push(rc.recovered, attached === true)
    }
    await tick()
    await tick()
    expect(atServer).toEqual(seq(up))
    expect(atClient).toEqual(seq(down))
    expect(recovered.every((r) => r)).toBe(true)
    expect(store.stats).toMatchObject({ recovered: 25, expired: 0, lostMessages: 0, held: 0 })
    expect(rc.stats).toMatchObject({ recovered: 25, expired: 0, lostMessages: 0 })
    expect(store.stats.replayed + rc.stats.replayed).toBeGreaterThan(0)
  })

  it('acks in batches: the replay buffers empty without an ack per message', async () => {
    const store = new ResumeStore()
    stores.push(store)
    const rc = new ResumeClient()
    const ends = await link(store, rc, [], [])
    for (let i = 0; i < 200; i++) ends.client.send(msg(i))
    expect(rc.state.replay.length).toBe(200)
    await new Promise((r) => setTimeout(r, 120))
    expect(rc.state.replay.length).toBe(0)
    // 200 messages: 3 acks at 64 each + one timed one, never 200
    expect(ends.server.connection.stats.framesOut).toBeLessThan(10)
  })

  it('keeps a pending sendAndWait across a drop: the reply on the resumed connection settles it', async () => {
    const store = new ResumeStore()
    stores.push(store)
    const rc = new ResumeClient()
    let asked: Response | undefined
    const ends = await link(store, rc, [], [], (r) => {
      asked = r
    })
    const p = ends.client.sendAndWait(new Request(NUM, 'question'), { timeout: 5000 })
    await tick()
    expect(asked?.text()).toBe('question')
    const id = asked!.requestId
    ends.cut()
    const again = await link(store, rc, [], [])
    expect(again.client.pendingCount).toBe(1)
    again.server.send(new Request(NUM, 'answer', { requestId: id }))
    expect((await p)?.text()).toBe('answer')
  })

  it('past the window: recovered false, the wait rejects with ResumeExpiredError, the loss is counted', async () => {
    const store = new ResumeStore({ windowMs: 30 })
    stores.push(store)
    const rc = new ResumeClient()
    const ends = await link(store, rc, [], [], () => {})
    const p = ends.client.sendAndWait(new Request(NUM, 'never answered'), { timeout: 5000 })
    ends.server.send(msg(1))
    ends.cut()
    // sent on the dropped server session while held: kept, then lost with the state
    ends.server.send(msg(2))
    await expect(p).rejects.toBeInstanceOf(ResumeExpiredError)
    await new Promise((r) => setTimeout(r, 60))
    expect(store.stats.expired).toBe(1)
    expect(store.stats.lostMessages).toBeGreaterThanOrEqual(1)
    expect(store.stats.held).toBe(0)
    expect(store.size).toBe(0)
    expect(rc.stats.lostRequests).toBe(1)
    const atClient: number[] = []
    await link(store, rc, [], atClient)
    expect(rc.recovered).toBe(false)
    await tick()
    expect(atClient).toEqual([])
  })

  it('a peer that never acks is cut at maxBufferedBytes with ResumeBufferFullError, counted', async () => {
    const store = new ResumeStore({ maxBufferedBytes: 4096 })
    stores.push(store)
    const rc = new ResumeClient()
    const ends = await link(store, rc, [], [])
    const big = new Uint8Array(1000)
    let accepted = 0
    // synchronously: no ack can come back in between
    for (let i = 0; i < 10; i++) if (ends.server.send(new Request(NUM, big))) accepted++
    expect(accepted).toBe(4)
    expect(ends.server.closed).toBe(true)
    expect(ends.server.closeInfo?.error).toBeInstanceOf(ResumeBufferFullError)
    expect((ends.server.closeInfo!.error as ResumeBufferFullError).code).toBe('VELTIX_ERR_RESUME_BUFFER_FULL')
    expect(store.stats.bufferFull).toBe(1)
    expect(store.stats.lostMessages).toBe(4)
    expect(store.size).toBe(0)
  })

  it('a guessed or stolen token id gets nothing; the owner still resumes; a used token is worthless', async () => {
    const store = new ResumeStore()
    stores.push(store)
    const rc = new ResumeClient()
    const ends = await link(store, rc, [], [])
    ends.server.send(msg(7)) // in flight at the drop: the server holds it for the client
    ends.cut()
    const stolen = rc.state.token!
    // a thief with the id and a wrong secret (held state of its own, made the way a client's is)
    const thief = thiefWith({ id: stolen.id, secret: randomBytes(32) })
    const atThief: number[] = []
    await link(store, thief, [], atThief)
    expect(thief.recovered).toBe(false)
    await tick()
    expect(atThief).toEqual([])
    // the owner is untouched by the attempt
    const atOwner: number[] = []
    const owner = await link(store, rc, [], atOwner)
    expect(rc.recovered).toBe(true)
    await tick()
    expect(atOwner).toEqual([7])
    // the old token, replayed with its real secret after it was used: nothing
    owner.cut()
    const replayer = thiefWith(stolen)
    const atReplayer: number[] = []
    await link(store, replayer, [], atReplayer)
    expect(replayer.recovered).toBe(false)
    expect(store.stats.expired).toBe(2)
  })

  it('encrypted: resumes sealed; the secret itself (leaked) is no use on a plain connection', async () => {
    const identity = generateIdentity()
    const enc = {
      server: { encryption: { policy: 'optional' as const, identity } },
      client: { encryption: { policy: 'optional' as const, serverKey: fingerprint(identity.publicKey) } },
    }
    const store = new ResumeStore()
    stores.push(store)
    const rc = new ResumeClient()
    const first = await link(store, rc, [], [], undefined, enc)
    expect(first.client.encrypted).toBe(true)
    first.server.send(msg(9))
    first.cut()
    // the real secret, presented in the clear (as it would be if it had leaked): refused
    const thief = thiefWith(rc.state.token!)
    const atThief: number[] = []
    const plain = await link(store, thief, [], atThief, undefined, { server: enc.server })
    expect(plain.client.encrypted).toBe(false)
    expect(thief.recovered).toBe(false)
    await tick()
    expect(atThief).toEqual([])
    // the owner, sealed, with a proof bound to its new connection's keys
    const atOwner: number[] = []
    const again = await link(store, rc, [], atOwner, undefined, enc)
    expect(again.client.encrypted).toBe(true)
    expect(rc.recovered).toBe(true)
    await tick()
    expect(atOwner).toEqual([9])
  })

  it('a server without resume: the client starts afresh, and what it held is counted as lost', async () => {
    const rc = new ResumeClient()
    const store = new ResumeStore()
    stores.push(store)
    const ends = await link(store, rc, [], [], () => {})
    const p = ends.client.sendAndWait(new Request(NUM, 'q'), { timeout: 5000 })
    ends.cut()
    const atServer: number[] = []
    const plain = await link(undefined, rc, atServer, [])
    await expect(p).rejects.toBeInstanceOf(ResumeExpiredError)
    expect(rc.recovered).toBe(false)
    plain.client.send(msg(1))
    await tick()
    expect(atServer).toEqual([1])
  })

  it('a deliberate close is not held: the peer is told (final ack), waits reject as usual', async () => {
    const store = new ResumeStore()
    stores.push(store)
    const rc = new ResumeClient()
    const ends = await link(store, rc, [], [], () => {})
    const p = ends.client.sendAndWait(new Request(NUM, 'q'), { timeout: 5000 })
    await ends.client.close()
    await expect(p).rejects.toBeInstanceOf(ConnectionClosedError)
    await tick()
    expect(store.stats.held).toBe(0)
    expect(store.size).toBe(0)
  })
})

/** A client holding `token` as if its connection had dropped (what a thief would present). */
function thiefWith(token: { id: Uint8Array; secret: Uint8Array }): ResumeClient {
  const c = new ResumeClient()
  const fake = {} as Parameters<typeof c.state.attach>[0]
  c.state.attach(fake)
  c.state.closing(fake, 'reset', undefined, 10_000)
  c.state.token = token
  return c
}
