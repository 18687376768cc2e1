import { readFileSync } from 'node:fs'
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { encodeWire2Frame, type Wire2Frame, Wire2FrameDecoder } from '@veltix/codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  detectServerWire,
  encodeHandshakeMessage,
  HandshakeTimeoutError,
  runWire2Handshake,
  ServerFullError,
  VersionMismatchError,
} from '../src/index.js'

interface Golden {
  handshake: { name: string; hex: string }[]
  transcript: { chunks: { seq: number; hex: string }[] }
  compat: { name: string; sentHex: string }[]
}
const golden: Golden = JSON.parse(
  readFileSync(fileURLToPath(new URL('./fixtures/golden-wire2.json', import.meta.url)), 'utf8'),
)
const hs = (name: string) => Buffer.from(golden.handshake.find((h) => h.name === name)!.hex, 'hex')
const compat = (name: string) => Buffer.from(golden.compat.find((c) => c.name === name)!.sentHex, 'hex')
const chunk = (seq: number) => Buffer.from(golden.transcript.chunks.find((c) => c.seq === seq)!.hex, 'hex')

const servers: Server[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

/** A loopback server whose connections run `onSocket`; resolves its port. */
async function listen(onSocket: (s: Socket) => void): Promise<number> {
  const server = createServer((s) => {
    sockets.push(s)
    onSocket(s)
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return (server.address() as { port: number }).port
}

async function dial(port: number): Promise<Socket> {
  const s = tcpConnect(port, '127.0.0.1')
  sockets.push(s)
  await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject))
  s.pause()
  return s
}

/** Bytes a socket receives until `n` have come. */
function readN(s: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const got: Buffer[] = []
    let len = 0
    const on = (c: Buffer) => {
      got.push(c)
      len += c.length
      if (len >= n) {
        s.off('data', on)
        resolve(Buffer.concat(got))
      }
    }
    s.on('data', on)
    s.resume()
  })
}

describe("2.x on a socket: 'auto' against byte-level peers made from the reference's transcript", () => {
  it('a 2.0.0rc1-style server: detected as 2, handshake done, the PING sent with the ack kept for the decoder', async () => {
    const received: Buffer[] = []
    const port = await listen((s) => {
      s.write(chunk(0)) // the reference server's hello
      s.on('data', (c) => {
        received.push(c)
        // the ack and the server's PING (transcript seq 8) in one segment
        if (Buffer.concat(received).length >= compat('dual-key-client-reply').length)
          s.write(Buffer.concat([chunk(2), chunk(8)]))
      })
    })
    const socket = await dial(port)
    expect(await detectServerWire(socket, 2000)).toBe('2')
    const result = await runWire2Handshake(socket, { role: 'client', timeout: 2000 })
    expect(Buffer.concat(received).toString('hex')).toBe(compat('dual-key-client-reply').toString('hex'))
    expect([result.idMin, result.idMax]).toEqual([0, 29999])
    const frames: Wire2Frame[] = []
    const decoder = new Wire2FrameDecoder({ onFrame: (f) => frames.push(f) })
    decoder.push(result.rest)
    if (frames.length === 0) decoder.push(await readN(socket, 15 - result.rest.length))
    expect(frames.map((f) => [f.code, f.requestId])).toEqual([[0, 0]])
  })

  it('a 1.6.3-style server: detected as 1.6, and the next reader sees its HELLO from the first byte; it receives nothing', async () => {
    const hello = compat('1.6.3-HELLO')
    const received: Buffer[] = []
    const port = await listen((s) => {
      s.write(hello.subarray(0, 2)) // the first bytes in pieces: detection waits for 3
      setTimeout(() => s.write(hello.subarray(2)), 20)
      s.on('data', (c) => received.push(c))
    })
    const socket = await dial(port)
    expect(await detectServerWire(socket, 2000)).toBe('1.6')
    expect((await readN(socket, hello.length)).toString('hex')).toBe(hello.toString('hex'))
    await new Promise((r) => setTimeout(r, 30))
    expect(received).toEqual([])
  })

  it('a full 3.x-style server: connect fails with ServerFullError', async () => {
    const port = await listen((s) => s.end(hs('3x-server-full')))
    const socket = await dial(port)
    expect(await detectServerWire(socket, 2000)).toBe('2')
    await expect(runWire2Handshake(socket, { role: 'client', timeout: 2000 })).rejects.toBeInstanceOf(
      ServerFullError,
    )
  })

  it('a hello with v 3.0.1 and no pv (neither check passes) is a VersionMismatchError', async () => {
    const port = await listen((s) => s.write(encodeHandshakeMessage({ v: '3.0.1' })))
    const socket = await dial(port)
    await expect(runWire2Handshake(socket, { role: 'client', timeout: 2000 })).rejects.toBeInstanceOf(
      VersionMismatchError,
    )
  })
})

describe('2.x on a socket: our server and our client', () => {
  it('handshake both ways, then frames; a silent client times out alone without holding up the next one', async () => {
    const outcomes: Promise<unknown>[] = []
    const serverFrames: Wire2Frame[] = []
    const port = await listen((s) => {
      const p = runWire2Handshake(s, { role: 'server', timeout: 300 }).then((r) => {
        const d = new Wire2FrameDecoder({ onFrame: (f) => serverFrames.push(f) })
        d.push(r.rest)
        s.on('data', (c) => d.push(c))
        s.resume()
        return r
      })
      outcomes.push(p.catch((e) => e))
    })
    const silent = await dial(port) // never answers the hello
    silent.resume()
    const client = await dial(port)
    expect(await detectServerWire(client, 2000)).toBe('2')
    const done = await runWire2Handshake(client, { role: 'client', timeout: 2000 })
    expect([done.idMin, done.idMax]).toEqual([0, 32767])
    client.write(encodeWire2Frame({ code: 200, payload: new Uint8Array(Buffer.from('hi')), requestId: 7 }))
    const [first, second] = await Promise.all(outcomes)
    expect(first).toBeInstanceOf(HandshakeTimeoutError)
    expect((second as { idMin: number }).idMin).toBe(32768)
    await new Promise((r) => setTimeout(r, 50))
    expect(serverFrames.map((f) => [f.code, f.requestId, Buffer.from(f.payload).toString()])).toEqual([
      [200, 7, 'hi'],
    ])
  })
})
