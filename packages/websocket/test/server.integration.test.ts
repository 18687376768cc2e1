import {
  decodeFrame,
  encodeFrame,
  encodeHelloPayload,
  HELLO,
  HELLO_ACK,
  MessageTypeRegistry,
  Request as WireRequest,
} from '@veltix/codec'
import { noopLogger } from '@veltix/logger'
import { generateIdentity, ServerRefusedError, Session } from '@veltix/session'
import {
  Client,
  type ClientInfo,
  Events,
  type Listener,
  MessageType,
  Request,
  type Response,
  Server,
  type ServerDisconnectInfo,
} from 'veltix'
import { afterEach, describe, expect, it } from 'vitest'
import {
  connectWebSocket,
  TextMessageError,
  type WebSocketConnection,
  type WebSocketListener,
  webSocketListener,
} from '../src/index.js'
import { closeOf, frame, openWs, waitFor } from './helpers.js'

const CHAT = new MessageType(200, 'chat')
const ECHO = new MessageType(201, 'echo')
const ASK = new MessageType(202, 'ask')

/** A WebSocket client: a client `Session` over a Node `ws` connection (what `veltix/browser` is in a page). */
async function wsClient(url: string): Promise<{ session: Session; received: Response[] }> {
  const registry = new MessageTypeRegistry()
  for (const t of [CHAT, ECHO, ASK]) registry.register(t)
  const received: Response[] = []
  const conn = await connectWebSocket({ url })
  const session = new Session({
    connection: conn,
    role: 'client',
    registry,
    onMessage: (r, s) => {
      // The server asks (sendAndWait): answer with the same request id.
      if (r.type.code === ASK.code)
        s.send(new WireRequest(ASK, `re: ${r.text()}`, { requestId: r.requestId }))
      else received.push(r)
    },
  })
  await session.ready
  return { session, received }
}

describe('one Server, TCP and WebSocket clients', () => {
  const servers: Server[] = []
  const clients: Client[] = []
  const sessions: Session[] = []

  afterEach(async () => {
    for (const s of sessions.splice(0)) s.destroy()
    await Promise.all(clients.splice(0).map((c) => c.disconnect()))
    await Promise.all(servers.splice(0).map((s) => s.closeAll()))
  })

  async function start(
    init: ConstructorParameters<typeof Server>[0] = {},
    ws: WebSocketListener = webSocketListener({ port: 0, path: '/veltix' }),
  ): Promise<{ server: Server; ws: WebSocketListener; url: string }> {
    // The listener is a veltix Listener (checked by the compiler here).
    const listener: Listener = ws
    const server = new Server({
      host: '127.0.0.1',
      port: 0,
      logger: noopLogger,
      listeners: [listener],
      ...init,
    })
    servers.push(server)
    server.route(CHAT, (response: Response) => {
      server.getSender().broadcast(new Request(CHAT, response.content), server.getAllClientsSockets())
    })
    server.route(ECHO, (response: Response, client: ClientInfo) => {
      server
        .getSender()
        .send(new Request(ECHO, response.content, { requestId: response.requestId }), client.conn)
    })
    await server.start()
    return { server, ws, url: `ws://127.0.0.1:${ws.port}/veltix` }
  }

  async function tcpClient(server: Server): Promise<{ client: Client; received: Response[] }> {
    const client = new Client({ serverAddr: '127.0.0.1', port: server.port, logger: noopLogger })
    clients.push(client)
    const received: Response[] = []
    client.route(CHAT, (r: Response) => received.push(r))
    expect(await client.connect()).toBe(true)
    return { client, received }
  }

  it('both meet the same ClientInfo, tags, routes and broadcasts; sendAndWait and ping both ways', async () => {
    const { server, url } = await start()
    const connected: ClientInfo[] = []
    server.setCallback(Events.ON_CONNECT, (c: ClientInfo) => {
      c.addTag('room', 'lobby')
      connected.push(c)
    })
    const tcp = await tcpClient(server)
    const ws = await wsClient(url)
    sessions.push(ws.session)
    await waitFor(() => connected.length === 2)

    // Same ClientInfo for both: address, handshake, tags, stats.
    const [tcpInfo, wsInfo] = connected as [ClientInfo, ClientInfo]
    for (const c of [tcpInfo, wsInfo]) {
      expect(c.addr[0]).toBe('127.0.0.1')
      expect(c.handshakeDone).toBe(true)
      expect(c.getTag('room')).toBe('lobby')
    }
    expect(server.getAllClients()).toHaveLength(2)
    expect(server.stats()).toMatchObject({ connections: 2, clients: 2 })

    // Each sees the other's broadcast (the route broadcasts to every client).
    tcp.client.getSender().send(new Request(CHAT, 'from tcp'))
    await waitFor(() => ws.received.length === 1 && tcp.received.length === 1, 5000, 'broadcast from tcp')
    expect(ws.received[0]!.text()).toBe('from tcp')
    ws.session.send(new WireRequest(CHAT, 'from ws'))
    await waitFor(() => tcp.received.length === 2 && ws.received.length === 2, 5000, 'broadcast from ws')
    expect(tcp.received[1]!.text()).toBe('from ws')

    // Request/response and ping, client to server and server to client, over WebSocket.
    expect((await ws.session.sendAndWait(new WireRequest(ECHO, 'ping me'), { timeout: 5000 }))?.text()).toBe(
      'ping me',
    )
    expect(await ws.session.ping({ timeout: 5000 })).not.toBeNull()
    const answer = await server.sendAndWait(new Request(ASK, 'who?'), wsInfo, { timeout: 5000 })
    expect(answer?.text()).toBe('re: who?')
    expect(await server.pingClient(wsInfo, { timeout: 5000 })).not.toBeNull()
    expect(await tcp.client.sendAndWait(new Request(ECHO, 'tcp too'), { timeout: 5000 })).not.toBeNull()
    expect(ws.session.pendingCount).toBe(0)
    expect(wsInfo.stats().pendingRequests).toBe(0)
    expect(wsInfo.stats().messagesIn).toBeGreaterThan(0)
  })

  it('the encryption option is the same code: an encrypted WebSocket client pins the key, and broadcasts reach it sealed', async () => {
    const { server, url } = await start({ encryption: 'required', identity: generateIdentity() })
    const tcp = new Client({
      serverAddr: '127.0.0.1',
      port: server.port,
      logger: noopLogger,
      encryption: 'required',
      serverKey: server.fingerprint!,
    })
    clients.push(tcp)
    const tcpGot: Response[] = []
    tcp.route(CHAT, (r: Response) => tcpGot.push(r))
    expect(await tcp.connect()).toBe(true)
    const registry = new MessageTypeRegistry()
    for (const t of [CHAT, ECHO]) registry.register(t)
    const got: Response[] = []
    const session = new Session({
      connection: await connectWebSocket({ url }),
      role: 'client',
      registry,
      encryption: { policy: 'required', serverKey: server.fingerprint! },
      onMessage: (r) => got.push(r),
    })
    sessions.push(session)
    await session.ready
    expect(session.encrypted).toBe(true)
    await waitFor(() => server.getAllClients().length === 2)
    expect(server.getAllClients().map((c) => c.encrypted)).toEqual([true, true])
    expect((await session.sendAndWait(new WireRequest(ECHO, 'sealed'), { timeout: 5000 }))?.text()).toBe(
      'sealed',
    )
    session.send(new WireRequest(CHAT, 'to all'))
    await waitFor(() => got.length === 1 && tcpGot.length === 1, 5000, 'sealed broadcast')
    expect(tcpGot[0]!.text()).toBe('to all')
  })

  it('closeAll() ends WebSocket clients too (1001, ON_DISCONNECT), and a restart binds the same WebSocket port', async () => {
    const { server, ws, url } = await start()
    const gone: ServerDisconnectInfo[] = []
    server.setCallback(Events.ON_DISCONNECT, (_c: ClientInfo, info: ServerDisconnectInfo) => gone.push(info))
    const conn = await connectWebSocket({ url })
    const session = new Session({ connection: conn, role: 'client' })
    sessions.push(session)
    await session.ready
    await waitFor(() => server.getAllClients().length === 1)
    const port = ws.port
    await server.closeAll()
    await waitFor(() => conn.remoteCloseCode !== undefined)
    expect(conn.remoteCloseCode).toBe(1001)
    expect(gone.map((g) => g.reason)).toEqual(['server-closed'])
    expect(ws.listening).toBe(false)

    await server.start()
    expect(ws.port).toBe(port)
    const again = await wsClient(url)
    sessions.push(again.session)
    expect(again.session.handshakeDone).toBe(true)
  })

  it('bad input on one WebSocket closes it alone: ON_DISCONNECT with the typed error, TCP client unaffected', async () => {
    const { server, url } = await start()
    const gone: ServerDisconnectInfo[] = []
    server.setCallback(Events.ON_DISCONNECT, (_c: ClientInfo, info: ServerDisconnectInfo) => gone.push(info))
    const tcp = await tcpClient(server)
    // A hand-driven client: answers HELLO with HELLO_ACK, then sends a text message.
    const raw = await openWs(url, {}, (w) => {
      w.on('message', (d: Buffer) => {
        const f = decodeFrame(d)
        if (f.code === HELLO.code)
          w.send(
            encodeFrame({
              code: HELLO_ACK.code,
              requestId: f.requestId,
              payload: encodeHelloPayload('1.6.3'),
            }),
          )
      })
      w.on('error', () => {})
    })
    await waitFor(() => server.getAllClients().length === 2, 5000, 'handshake')
    raw.send('text is not a frame')
    await waitFor(() => gone.length === 1, 5000, 'ON_DISCONNECT')
    expect(gone[0]!.reason).toBe('protocol-error')
    expect(gone[0]!.error).toBeInstanceOf(TextMessageError)
    expect((gone[0]!.error as TextMessageError).code).toBe('VELTIX_ERR_WS_TEXT_MESSAGE')
    expect(await tcp.client.sendAndWait(new Request(ECHO, 'still fine'), { timeout: 5000 })).not.toBeNull()
    expect(server.getAllClients()).toHaveLength(1)
  })

  it('a WebSocket that never completes the handshake counts as a handshake failure, never as a client', async () => {
    const { server, url } = await start({ handshakeTimeout: 200 })
    let connects = 0
    server.setCallback(Events.ON_CONNECT, () => connects++)
    const raw = await openWs(url)
    const closed = closeOf(raw)
    raw.send(frame(CHAT.code, 'before the handshake'))
    await closed
    await waitFor(() => server.stats().handshakeFailures === 1, 5000, 'handshake failure counted')
    expect(connects).toBe(0)
  })

  describe('limits apply to WebSocket clients as to TCP ones', () => {
    /** A client Session whose handshake the server refuses: the connection and what `ready` rejected with. */
    async function refusedClient(url: string): Promise<{ conn: WebSocketConnection; error: unknown }> {
      const conn = await connectWebSocket({ url })
      const session = new Session({ connection: conn, role: 'client' })
      sessions.push(session)
      const error = await session.ready.then(
        () => undefined,
        (e: unknown) => e,
      )
      return { conn, error }
    }

    it('maxConnection counts both kinds: a WebSocket over it is refused with the ERROR frame TCP clients get', async () => {
      const { server, url } = await start({ maxConnection: 1 })
      await tcpClient(server)
      const { conn, error } = await refusedClient(url)
      expect(error).toBeInstanceOf(ServerRefusedError)
      expect((error as ServerRefusedError).serverMessage).toContain('maxConnection 1')
      await waitFor(() => conn.remoteCloseCode !== undefined)
      expect(conn.remoteCloseCode).toBe(1000)
      expect(server.getAllClients()).toHaveLength(1)
    })

    it('maxConnection: a TCP client over it is refused when a WebSocket client holds the place', async () => {
      const { server, url } = await start({ maxConnection: 1 })
      const ws = await wsClient(url)
      sessions.push(ws.session)
      const client = new Client({ serverAddr: '127.0.0.1', port: server.port, logger: noopLogger })
      clients.push(client)
      expect(await client.connect()).toBe(false)
      expect(server.getAllClients()).toHaveLength(1)
    })

    it('maxConnectionsPerAddress holds for WebSocket clients (by socket address)', async () => {
      const { url } = await start({ limits: { maxConnectionsPerAddress: 1 } })
      const first = await wsClient(url)
      sessions.push(first.session)
      const { error } = await refusedClient(url)
      expect(error).toBeInstanceOf(ServerRefusedError)
      expect((error as ServerRefusedError).serverMessage).toContain('maxConnectionsPerAddress')
    })
  })

  it('a listener that cannot listen fails start() and leaves the server closed (TCP port released)', async () => {
    const taken = webSocketListener({ port: 0 })
    const { ws } = await start({}, taken)
    const server = new Server({
      host: '127.0.0.1',
      port: 0,
      logger: noopLogger,
      listeners: [webSocketListener({ port: ws.port })],
    })
    await expect(server.start()).rejects.toMatchObject({
      name: 'ListenError',
      code: 'VELTIX_ERR_LISTEN',
      causeCode: 'EADDRINUSE',
    })
    expect(server.listening).toBe(false)
    expect(server.address).toBeNull()
  })
})
