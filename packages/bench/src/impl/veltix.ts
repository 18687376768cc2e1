import { Client, type ClientInfo, MessageType, Request, type Response, Server, SocketCore } from 'veltix'
import { BASELINE_HIGH_WATER_MARK, CODE_DATA, CODE_ECHO, CODE_STATE, CODE_WORLD } from '../constants.js'
import type { BenchClient, BenchServer, ClientInit, Implementation, Peer, ServerInit } from './types.js'
import { ROUND_TRIP_TIMEOUT_MS } from './types.js'

// Veltix through its public API only, the way an application uses it: Server/Client, routes, Sender,
// sendAndWait, pingServer. Nothing here reaches into internals, so the figures are what users get.

const TYPES = [
  new MessageType(CODE_DATA, 'bench.data'),
  new MessageType(CODE_ECHO, 'bench.echo'),
  new MessageType(CODE_STATE, 'bench.state'),
  new MessageType(CODE_WORLD, 'bench.world'),
]
// Indexed by code: an application holds its MessageType constants, so the harness's code -> type lookup
// (a cost the baseline does not have) should be as close to free as it can be (a Map lookup was ~20 ns).
const TYPE_BY_CODE: (MessageType | undefined)[] = []
for (const t of TYPES) TYPE_BY_CODE[t.code] = t
for (let i = 0; i < TYPE_BY_CODE.length; i++) TYPE_BY_CODE[i] ??= undefined // packed, not holey

function typeOf(code: number): MessageType {
  const t = TYPE_BY_CODE[code]
  if (t === undefined) throw new RangeError(`the benchmark has no message type with code ${code}`)
  return t
}

/** Bytes queued on a connection and not yet handed to the OS (the transport's own backpressure measure). */
interface Buffered {
  readonly bufferedAmount: number
  readonly closed: boolean
}

const HIGH_WATER_MARK = BASELINE_HIGH_WATER_MARK

async function waitUnder(conn: Buffered | undefined): Promise<void> {
  do await new Promise<void>((resolve) => setImmediate(resolve))
  while (conn !== undefined && !conn.closed && conn.bufferedAmount >= HIGH_WATER_MARK)
}

class VeltixServer implements BenchServer {
  readonly server: Server

  constructor(init: ServerInit) {
    this.server = new Server({
      host: '127.0.0.1',
      port: 0,
      socketCore: init.core === 'worker' ? SocketCore.WORKER : SocketCore.LOOP,
      maxConnection: -1,
      ...(init.listeners === undefined ? {} : { listeners: init.listeners }),
    })
    const hooks = init.hooks
    for (const t of TYPES) {
      this.server.route(t, (res: Response, client: ClientInfo) =>
        hooks.message(client, t.code, res.id, res.content),
      )
    }
  }

  get port(): number {
    return this.server.port
  }

  get connectionCount(): number {
    return this.server.getAllClients().filter((c) => c.handshakeDone).length
  }

  reply(peer: Peer, code: number, requestId: number, payload: Uint8Array): void {
    const client = peer as ClientInfo
    this.server.getSender().send(new Request(typeOf(code), payload, { requestId }), client.conn)
  }

  broadcast(code: number, payload: Uint8Array): number {
    const sender = this.server.getSender()
    return sender.broadcast(new Request(typeOf(code), payload), this.server.getAllClientsSockets()) as number
  }

  close(): Promise<void> {
    return this.server.closeAll()
  }
}

class VeltixClient implements BenchClient {
  readonly client: Client

  constructor(client: Client) {
    this.client = client
  }

  #conn(): Buffered | undefined {
    return this.client.connection ?? undefined
  }

  send(code: number, payload: Uint8Array): boolean {
    const type = typeOf(code)
    const sender = this.client.getSender()
    // A refused send (queue at its hard cap) is retried after a drain by the caller's loop: count it as
    // backpressure, never as sent-and-lost.
    if (!sender.send(new Request(type, payload))) throw new Error('veltix refused a send')
    const conn = this.#conn()
    return conn === undefined || conn.bufferedAmount < HIGH_WATER_MARK
  }

  drained(): Promise<void> {
    return waitUnder(this.#conn())
  }

  async request(code: number, payload: Uint8Array): Promise<boolean> {
    const r = await this.client.sendAndWait(new Request(typeOf(code), payload), {
      timeout: ROUND_TRIP_TIMEOUT_MS,
    })
    return r !== null
  }

  async ping(): Promise<boolean> {
    return (await this.client.pingServer({ timeout: ROUND_TRIP_TIMEOUT_MS })) !== null
  }

  async close(): Promise<void> {
    await this.client.disconnect()
  }
}

/** Veltix's Server and Client. */
export const veltix: Implementation = {
  name: 'veltix',
  async startServer(init) {
    const s = new VeltixServer(init)
    await s.server.start()
    return s
  },
  async connect(init: ClientInit) {
    const client = new Client({ serverAddr: '127.0.0.1', port: init.port, retry: 0 })
    const onMessage = init.onMessage
    if (onMessage !== undefined) {
      for (const t of TYPES) client.route(t, (res: Response) => onMessage(t.code, res.content))
    }
    if (!(await client.connect())) throw new Error(`veltix client could not connect to port ${init.port}`)
    return new VeltixClient(client)
  },
}
