import { MessageTypeRegistry, Request, type Response } from '@veltix/codec'
import { Session, type SessionInit } from '../../src/index.js'
import { createTappedPair, type TappedConnection } from './tapped-pair.js'

/** A fake "server" for Reconnector tests: dial() gives a connection whose far end runs a server Session. */
export class FakeServer {
  up = true
  readonly sessions: Session[] = []
  readonly received: Response[] = []
  dials = 0
  constructor(
    readonly registry = new MessageTypeRegistry(),
    readonly serverInit: Partial<SessionInit> = {},
  ) {}

  readonly dial = async (signal: AbortSignal): Promise<TappedConnection> => {
    this.dials++
    await new Promise((r) => setImmediate(r))
    if (signal.aborted) throw signal.reason
    if (!this.up)
      throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'ConnectError', code: 'ECONNREFUSED' })
    const [serverSide, clientSide] = createTappedPair()
    const s = new Session({
      connection: serverSide,
      role: 'server',
      registry: this.registry,
      onMessage: (r, sess) => {
        this.received.push(r)
        sess.send(new Request(r.type, r.content, { requestId: r.id }))
      },
      ...this.serverInit,
    })
    this.sessions.push(s)
    return clientSide
  }

  /** Drops every live connection (as a server restart would). */
  crash(): void {
    for (const s of this.sessions) if (!s.closed) s.destroy()
  }
}
