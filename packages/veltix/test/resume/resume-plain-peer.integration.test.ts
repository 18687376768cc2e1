// A peer without resume (a byte-level 1.6.3 peer, as the Python reference speaks) against a resume server or a
// resume client: plain 1.6.3 byte for byte, no resume or ack frame ever, and a reconnect is never "recovered".
import * as net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  decodeHelloPayload,
  encodeFrame,
  encodeHelloPayload,
  type Frame,
  FrameDecoder,
} from '../../src/codec.js'
import { type ClientInfo, type ConnectInfo, MessageType, Request, SocketCore } from '../../src/index.js'
import { Fixture, waitFor } from '../helpers.js'

const NUM = new MessageType(200, 'num')
const RESUME_CODES = [34, 35]

class RawPeer {
  readonly frames: Frame[] = []
  bytes = Buffer.alloc(0)
  readonly #decoder = new FrameDecoder({
    onFrame: (f) => this.frames.push({ ...f, payload: new Uint8Array(f.payload) }),
  })
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.bytes = Buffer.concat([this.bytes, d])
      this.#decoder.push(d)
    })
    socket.on('error', () => {})
  }
  async next(code: number): Promise<Frame> {
    await waitFor(() => this.frames.some((f) => f.code === code), 5000, `frame ${code}`)
    const i = this.frames.findIndex((f) => f.code === code)
    return this.frames.splice(i, 1)[0]!
  }
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe.each([SocketCore.LOOP, SocketCore.WORKER])('resume against a plain peer on the %s core', (core) => {
  const fx = new Fixture(core)
  const sockets: net.Socket[] = []
  const servers: net.Server[] = []
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy()
    await fx.close()
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
  })

  it('a byte-level 1.6.3 client of a resume server: plain frames byte for byte, no acks, not recovered', async () => {
    const server = fx.server({ resume: { windowMs: 10_000 } })
    const got: string[] = []
    const infos: ClientInfo[] = []
    server.onConnect((c) => infos.push(c))
    server.onRecv((_c, r) => got.push(r.text()))
    await server.start()
    async function dial(): Promise<{ peer: RawPeer; socket: net.Socket }> {
      const socket = net.connect(server.port, '127.0.0.1')
      sockets.push(socket)
      const peer = new RawPeer(socket)
      const hello = await peer.next(10)
      // the reference's HELLO_ACK: the version only, no capability block
      socket.write(
        encodeFrame({ code: 11, requestId: hello.requestId, payload: encodeHelloPayload('1.6.3') }),
      )
      return { peer, socket }
    }
    const { peer, socket } = await dial()
    await waitFor(() => infos.length === 1, 5000, 'ON_CONNECT')
    expect(infos[0]!.recovered).toBe(false)
    const before = peer.bytes.length
    const sent: Buffer[] = []
    for (let i = 0; i < 3; i++) {
      const req = new Request(NUM, `down ${i}`)
      expect(infos[0]!.send(req)).toBe(true)
    }
    for (let i = 0; i < 3; i++) {
      const f = await peer.next(NUM.code)
      sent.push(
        encodeFrame({ code: NUM.code, requestId: f.requestId, payload: f.payload, timestamp: f.timestamp }),
      )
    }
    // what came after the handshake is exactly the three 1.6.3 frames
    expect(peer.bytes.subarray(before).equals(Buffer.concat(sent))).toBe(true)
    // 100 messages up: delivered, and never an ack back (an ack timer would fire within 50 ms)
    for (let i = 0; i < 100; i++)
      socket.write(encodeFrame({ code: NUM.code, requestId: i + 1, payload: Buffer.from(`up ${i}`) }))
    await waitFor(() => got.length === 100, 5000, 'up messages')
    await pause(120)
    expect(peer.bytes.length - before).toBe(Buffer.concat(sent).length)
    expect(peer.frames.filter((f) => RESUME_CODES.includes(f.code))).toEqual([])
    // it drops and comes back: a new, not recovered, connection; nothing held for it
    socket.destroy()
    await dial()
    await waitFor(() => infos.length === 2, 5000, 'second ON_CONNECT')
    expect(infos[1]!.recovered).toBe(false)
    expect(server.stats().resume).toMatchObject({ recovered: 0, held: 0 })
  })

  it('a resume client of a byte-level 1.6.3 server: the same HELLO_ACK and frames as a plain client', async () => {
    // a reference server: HELLO without a capability block, then it records every byte it gets
    const received: Buffer[] = []
    const raw = net.createServer((s) => {
      const i = received.push(Buffer.alloc(0)) - 1
      s.on('data', (d: Buffer) => {
        received[i] = Buffer.concat([received[i]!, d])
      })
      s.on('error', () => {})
      sockets.push(s)
      s.write(encodeFrame({ code: 10, requestId: 4242, payload: encodeHelloPayload('1.6.3') }))
    })
    servers.push(raw)
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r))
    const port = (raw.address() as net.AddressInfo).port
    const infos: ConnectInfo[] = []
    for (const resume of [true, false]) {
      const client = fx.client(port, { resume, retry: 1, retryDelay: 10 })
      client.onConnect((info) => infos.push(info))
      expect(await client.connect()).toBe(true)
      for (let i = 0; i < 5; i++)
        expect(client.send(new Request(NUM, `up ${i}`, { requestId: 100 + i }))).toBe(true)
    }
    await waitFor(() => received.length === 2 && received.every((b) => b.length > 0), 5000, 'bytes')
    await pause(120)
    const decode = (b: Buffer): Frame[] => {
      const out: Frame[] = []
      const d = new FrameDecoder({ onFrame: (f) => out.push({ ...f, payload: new Uint8Array(f.payload) }) })
      d.push(b)
      return out
    }
    const [withResume, plain] = received.map(decode) as [Frame[], Frame[]]
    // HELLO_ACK + 5 messages each, identical but for the timestamps; no resume or ack frame
    expect(withResume.map((f) => [f.code, f.requestId, Buffer.from(f.payload).toString('hex')])).toEqual(
      plain.map((f) => [f.code, f.requestId, Buffer.from(f.payload).toString('hex')]),
    )
    expect(withResume.length).toBe(6)
    expect(decodeHelloPayload(withResume[0]!.payload).version).toBe('1.6.3')
    expect(withResume.filter((f) => RESUME_CODES.includes(f.code))).toEqual([])
    expect(infos.map((i) => i.recovered)).toEqual([false, false])
  })
})
