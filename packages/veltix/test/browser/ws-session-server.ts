// A small Veltix-over-WebSocket server for the browser client's tests: `ws` + a real @veltix/session per
// connection (the same handshake, ping and request/response code as a TCP server), one frame per message.
import type { AddressInfo } from 'node:net'
import { decodeFrame, encodeFrame, MessageTypeRegistry, Request, type Response } from '@veltix/codec'
import { Session } from '@veltix/session'
import type { CloseInfo, Connection, ConnectionHandler, SendResult } from '@veltix/transport'
import { type WebSocket, WebSocketServer } from 'ws'

let nextId = 1

function adapt(ws: WebSocket, remotePort: number): Connection {
  let handler: ConnectionHandler | undefined
  let closed = false
  const stats = {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    checksumErrors: 0,
    unknownTypes: 0,
    overflowRejected: 0,
  }
  const write = (bytes: Uint8Array): SendResult => {
    if (closed) return 'closed'
    ws.send(bytes)
    stats.framesOut++
    stats.bytesOut += bytes.length
    return 'ok'
  }
  const conn: Connection = {
    id: nextId++,
    remoteAddress: '127.0.0.1',
    remotePort,
    remoteFamily: 'IPv4',
    localAddress: '127.0.0.1',
    localPort: 0,
    get closed() {
      return closed
    },
    get bufferedAmount() {
      return ws.bufferedAmount
    },
    stats,
    setHandler: (h) => {
      handler = h
    },
    send: (code, requestId, payload, timestamp) =>
      write(encodeFrame({ code, requestId, payload, ...(timestamp === undefined ? {} : { timestamp }) })),
    sendEncoded: (frames) => write(frames),
    close: () =>
      new Promise<void>((resolve) => {
        closed = true
        if (ws.readyState === ws.CLOSED) return resolve()
        ws.once('close', () => resolve())
        ws.close(1000)
      }),
    destroy: () => {
      closed = true
      ws.terminate()
    },
  }
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return ws.close(1003, 'text message')
    try {
      handler?.frame(decodeFrame(data))
    } catch {
      ws.close(1002, 'bad frame')
    }
  })
  ws.on('close', () => {
    closed = true
    handler?.close({ reason: 'remote-end' } as CloseInfo)
  })
  return conn
}

/** The server: echoes every message (same type, payload and id) unless `onMessage` is given. */
export class WsSessionServer {
  readonly sessions = new Set<Session>()
  readonly registry = new MessageTypeRegistry()
  #wss: WebSocketServer | undefined
  port = 0
  onMessage: ((response: Response, session: Session) => void) | undefined

  async start(port = 0): Promise<this> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port })
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve)
      wss.once('error', reject)
    })
    this.#wss = wss
    this.port = (wss.address() as AddressInfo).port
    wss.on('connection', (ws, req) => {
      const session = new Session({
        connection: adapt(ws, req.socket.remotePort ?? 0),
        role: 'server',
        registry: this.registry,
        onReady: (s) => this.sessions.add(s),
        onMessage: (response, s) => {
          if (this.onMessage !== undefined) return this.onMessage(response, s)
          s.send(new Request(response.type, response.content, { requestId: response.id }))
        },
        onClose: (_info, s) => this.sessions.delete(s),
      })
      void session
    })
    return this
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/`
  }

  broadcast(request: Request): void {
    for (const s of this.sessions) s.send(request)
  }

  async close(): Promise<void> {
    const wss = this.#wss
    if (wss === undefined) return
    this.#wss = undefined
    for (const c of wss.clients) c.terminate()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
  }
}
