import { readFileSync } from 'node:fs'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { decodeFrame, type Frame } from '@veltix/codec'

interface GoldenFrame {
  name: string
  code: number
  requestId: string
  payloadHex: string
  frameHex: string
}

const golden: { frames: GoldenFrame[] } = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/golden-frames.json', import.meta.url)), 'utf8'),
)

/** Exact bytes produced by Python Veltix 1.6.3 (copy of packages/codec/test/fixtures/golden-frames.json). */
export function goldenBytes(name: string): Buffer {
  const f = golden.frames.find((g) => g.name === name)
  if (f === undefined) throw new Error(`no golden frame ${name}`)
  return Buffer.from(f.frameHex, 'hex')
}

/** A golden frame with its request id replaced (and nothing else: the CRC covers the payload only). */
export function goldenWithId(name: string, id: number): Buffer {
  const b = Buffer.from(goldenBytes(name))
  b.writeUInt32BE(id, 18)
  return b
}

/** A plain `net` socket that reads whole frames, for speaking the protocol byte by byte. */
export class RawPeer {
  readonly frames: Frame[] = []
  readonly raw: Buffer[] = []
  closed = false
  #buf = Buffer.alloc(0)
  #waiters: (() => void)[] = []
  readonly closedPromise: Promise<void>

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, chunk])
      while (this.#buf.length >= 22) {
        const size = this.#buf.readUInt32BE(2)
        if (this.#buf.length < 22 + size) break
        const bytes = Buffer.from(this.#buf.subarray(0, 22 + size))
        this.#buf = this.#buf.subarray(22 + size)
        this.raw.push(bytes)
        this.frames.push(decodeFrame(bytes))
      }
      this.#wake()
    })
    socket.on('error', () => {})
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true
        this.#wake()
        resolve()
      }),
    )
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RawPeer(s)))
      s.once('error', reject)
    })
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes)
  }

  /** Resolves the n-th frame (0-based) once received; rejects if the socket closes first. */
  async frame(n: number, timeout = 5000): Promise<Frame> {
    const end = Date.now() + timeout
    while (this.frames.length <= n) {
      if (this.closed) throw new Error(`socket closed after ${this.frames.length} frames`)
      if (Date.now() > end) throw new Error(`no frame ${n} within ${timeout} ms`)
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50)
        this.#waiters.push(() => {
          clearTimeout(t)
          r()
        })
      })
    }
    return this.frames[n]!
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w()
  }

  destroy(): void {
    this.socket.destroy()
  }
}

/** A plain `net` server handing each accepted socket to `onPeer`. */
export async function rawServer(
  onPeer: (peer: RawPeer) => void,
): Promise<{ port: number; close(): Promise<void>; peers: RawPeer[] }> {
  const peers: RawPeer[] = []
  const server = net.createServer((s) => {
    const p = new RawPeer(s)
    peers.push(p)
    onPeer(p)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    peers,
    close: () =>
      new Promise<void>((r) => {
        for (const p of peers) p.destroy()
        server.close(() => r())
      }),
  }
}
