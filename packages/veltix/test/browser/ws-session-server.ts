// A bare Veltix-over-WebSocket server for the browser client's tests: the real listener of
// @veltix/websocket and a real @veltix/session per connection (the same handshake, ping and
// request/response code as a TCP server), without the rest of a Server.
import { MessageTypeRegistry, Request, type Response } from '@veltix/codec'
import { Session } from '@veltix/session'
import { type WebSocketListener, webSocketListener } from '../../../websocket/src/index.js'

/** The server: echoes every message (same type, payload and id) unless `onMessage` is given. */
export class WsSessionServer {
  readonly sessions = new Set<Session>()
  readonly registry = new MessageTypeRegistry()
  #listener: WebSocketListener | undefined
  port = 0
  onMessage: ((response: Response, session: Session) => void) | undefined
  /** The sessions' `authenticate` hook (the token a client sends), when set before `start`. */
  authenticate: ((token: string) => boolean) | undefined

  async start(port = 0): Promise<this> {
    const listener = webSocketListener({ port, path: '/veltix' })
    const address = await listener.listen({
      host: '127.0.0.1',
      maxMessageSize: 10 * 1024 * 1024,
      accept: (connection) => {
        this.sessions.add(
          new Session({
            connection,
            role: 'server',
            registry: this.registry,
            ...(this.authenticate === undefined
              ? {}
              : { authenticate: (info) => this.authenticate!(new TextDecoder().decode(info.token)) }),
            onMessage: (response, s) => {
              if (this.onMessage !== undefined) return this.onMessage(response, s)
              s.send(new Request(response.type, response.content, { requestId: response.id }))
            },
            onClose: (_info, s) => this.sessions.delete(s),
          }),
        )
      },
    })
    this.#listener = listener
    this.port = address.port
    return this
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/veltix`
  }

  broadcast(request: Request): void {
    for (const s of this.sessions) s.send(request)
  }

  async close(): Promise<void> {
    const listener = this.#listener
    this.#listener = undefined
    await listener?.close()
  }
}
