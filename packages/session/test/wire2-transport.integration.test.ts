import { FRAME_PROFILE_2, type Frame, MessageType, MessageTypeRegistry } from '@veltix/codec'
import {
  type Connection,
  connect,
  createServerTransport,
  type ServerTransport,
  SocketCore,
} from '@veltix/transport'
import { afterEach, describe, expect, it } from 'vitest'
import { type Wire2HandshakeResult, wire2ClientPreface, wire2ServerPreface } from '../src/index.js'

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close()
})

function collect(conn: Connection) {
  const frames: Frame[] = []
  let wake: (() => void) | undefined
  conn.setHandler({
    frame: (f) => {
      frames.push({ ...f, payload: new Uint8Array(f.payload) })
      wake?.()
    },
    close: () => {},
  })
  return {
    frames,
    next: (n: number) =>
      new Promise<Frame[]>((resolve) => {
        const check = () => (frames.length >= n ? resolve(frames) : undefined)
        wake = check
        check()
      }),
  }
}

async function listen(server: ServerTransport): Promise<number> {
  open.push(server)
  return (await server.listen()).port
}

describe('transport seam: frameProfile + preface carry the 2.x wire', () => {
  it("a protocol-'2' server and an 'auto' client: handshake, then 15-byte frames both ways", async () => {
    const registry = new MessageTypeRegistry()
    registry.register(new MessageType(200, 'chat'))
    const serverSide: Wire2HandshakeResult[] = []
    const server = createServerTransport({
      host: '127.0.0.1',
      port: 0,
      registry,
      frameProfile: FRAME_PROFILE_2,
      preface: wire2ServerPreface({ timeout: 2000 }, (r) => serverSide.push(r)),
    })
    server.onConnection((conn) => {
      conn.setHandler({
        frame: (f) => conn.send(f.code, f.requestId, f.payload), // echo with the request's id
        close: () => {},
      })
      conn.send(0, 40000, new Uint8Array(0)) // a server PING id at once: may share the ack's segment
    })
    const port = await listen(server)
    const clientSide: Wire2HandshakeResult[] = []
    const conn = await connect({
      host: '127.0.0.1',
      port,
      preface: wire2ClientPreface('auto', { timeout: 2000 }, (r) => clientSide.push(r)),
    })
    open.push(conn)
    const got = collect(conn)
    conn.send(200, 65535, new Uint8Array(Buffer.from('hi')))
    const frames = await got.next(2)
    expect(frames.map((f) => [f.code, f.requestId, Buffer.from(f.payload).toString()])).toEqual([
      [0, 40000, ''],
      [200, 65535, 'hi'],
    ])
    expect([clientSide[0]!.idMax, serverSide[0]!.idMin]).toEqual([32767, 32768])
  })

  it("an 'auto' client against a 1.6.3 server reads its HELLO frame intact, and sends nothing before it", async () => {
    const server = createServerTransport({ host: '127.0.0.1', port: 0 })
    const seen: Frame[] = []
    server.onConnection((conn) => {
      conn.setHandler({ frame: (f) => seen.push(f), close: () => {} })
      conn.send(10, 0x01020304, new Uint8Array(Buffer.from('1.6.3'))) // a 1.6.3 HELLO
    })
    const port = await listen(server)
    const conn = await connect({
      host: '127.0.0.1',
      port,
      preface: wire2ClientPreface('auto', { timeout: 2000 }),
    })
    open.push(conn)
    const got = collect(conn)
    const [hello] = await got.next(1)
    expect([hello!.code, hello!.requestId, Buffer.from(hello!.payload).toString()]).toEqual([
      10,
      0x01020304,
      '1.6.3',
    ])
    expect(seen).toEqual([])
  })

  it("a client forced to '2' against a 1.6.3 server fails connect() with a typed error", async () => {
    const server = createServerTransport({ host: '127.0.0.1', port: 0 })
    server.onConnection((conn) => {
      conn.setHandler({ frame: () => {}, close: () => {} })
      conn.send(10, 1, new Uint8Array(Buffer.from('1.6.3')))
    })
    const port = await listen(server)
    await expect(
      connect({ host: '127.0.0.1', port, preface: wire2ClientPreface('2', { timeout: 2000 }) }),
    ).rejects.toMatchObject({ code: 'VELTIX_ERR_HANDSHAKE_MESSAGE' })
  })

  it('the worker core refuses the 2.x profile', async () => {
    await expect(
      connect({ host: '127.0.0.1', port: 1, core: SocketCore.WORKER, frameProfile: FRAME_PROFILE_2 }),
    ).rejects.toBeInstanceOf(RangeError)
  })
})
