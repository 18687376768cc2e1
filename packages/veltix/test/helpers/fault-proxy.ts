import net from 'node:net'

/**
 * A fault-injecting TCP proxy for tests: loopback only, bounded (connections, buffered bytes), closed by
 * `close()`. It reads Veltix frames (22-byte header + payload) in each direction and forwards them whole, so
 * a fault can aim at a frame: cut one in the middle, delay, split into 1-byte writes, swallow (stall), or
 * flip one bit. The frame parsing is the proxy's own (upstream of any flip), so a flipped size field
 * desynchronises the receiver, never the proxy.
 */
export type Direction = 'up' | 'down' // up: client → server

export interface FlipRule {
  /** Flip a bit in every `every`-th frame that matches (1 = each). */
  every: number
  /** Frame codes that may be flipped (default: application codes, ≥ 200). */
  codes?: (code: number) => boolean
  /** `'payload'`: a bit of the payload (CRC-covered); `'any'`: any bit of the frame. */
  region: 'payload' | 'any'
  /** Aim at one bit instead of a random one: byte offset in the frame (0–21 = header), bit 0–7. */
  at?: { byte: number; bit: number }
  /** Stop after this many flips (default: no limit). */
  max?: number
}

interface Mode {
  delayMs: number
  split: boolean
  stall: boolean
  flip: FlipRule | undefined
  cutNext: boolean
}

const HEADER = 22
const MAX_FRAME = 16 * 1024 * 1024
const MAX_PAIRS = 64

class Pipe {
  #buf: Buffer = Buffer.alloc(0)
  #seen = 0 // matching frames, for FlipRule.every
  #chain: Promise<void> = Promise.resolve()
  constructor(
    readonly proxy: FaultProxy,
    readonly dir: Direction,
    readonly from: net.Socket,
    readonly to: net.Socket,
    readonly kill: () => void,
  ) {
    from.on('data', (chunk: Buffer) => this.#data(chunk))
  }

  #data(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk])
    while (this.#buf.length >= HEADER) {
      const size = this.#buf.readUInt32BE(2)
      if (size > MAX_FRAME) {
        this.kill() // not a Veltix stream: bounded
        return
      }
      if (this.#buf.length < HEADER + size) break
      const frame = Buffer.from(this.#buf.subarray(0, HEADER + size))
      this.#buf = this.#buf.subarray(HEADER + size)
      this.#frame(frame)
    }
  }

  #frame(frame: Buffer): void {
    const m = this.proxy.mode(this.dir)
    const code = frame.readUInt16BE(0)
    this.proxy.framesSeen[this.dir]++
    if (m.stall) {
      this.proxy.swallowed[this.dir]++
      return
    }
    if (m.cutNext) {
      m.cutNext = false
      const half = Math.max(1, frame.length >> 1)
      this.proxy.cuts++
      this.to.write(frame.subarray(0, half), () => this.kill())
      return
    }
    const f = m.flip
    if (f !== undefined && (f.codes ?? ((c: number) => c >= 200))(code) && (f.max ?? Infinity) > 0) {
      if (++this.#seen % f.every === 0 && (f.region === 'any' || frame.length > HEADER)) {
        const lo = f.region === 'payload' ? HEADER : 0
        const at = f.at?.byte ?? lo + Math.floor(Math.random() * (frame.length - lo))
        frame[at]! ^= 1 << (f.at?.bit ?? Math.floor(Math.random() * 8))
        if (f.max !== undefined) f.max--
        this.proxy.flips[this.dir].push({ code, at })
      }
    }
    this.#forward(frame, m)
  }

  #forward(frame: Buffer, m: Mode): void {
    if (m.delayMs === 0 && !m.split) {
      this.to.write(frame)
      return
    }
    // in order: each frame waits for the previous one's delay and writes
    const delay = m.delayMs
    const split = m.split
    this.#chain = this.#chain.then(async () => {
      if (delay > 0) await sleep(delay)
      if (this.to.destroyed) return
      if (!split) {
        this.to.write(frame)
        return
      }
      for (let i = 0; i < frame.length && !this.to.destroyed; i++) {
        this.to.write(frame.subarray(i, i + 1))
        if (i % 4 === 3) await new Promise((r) => setImmediate(r)) // separate segments, mostly
      }
    })
  }
}

export class FaultProxy {
  readonly #server: net.Server
  readonly #pairs = new Set<{ a: net.Socket; b: net.Socket }>()
  readonly #modes: Record<Direction, Mode> = { up: freshMode(), down: freshMode() }
  port = 0
  cuts = 0
  accepted = 0
  readonly framesSeen: Record<Direction, number> = { up: 0, down: 0 }
  readonly swallowed: Record<Direction, number> = { up: 0, down: 0 }
  readonly flips: Record<Direction, { code: number; at: number }[]> = { up: [], down: [] }

  constructor(readonly targetPort: number) {
    this.#server = net.createServer((a) => this.#accept(a))
  }

  async listen(): Promise<number> {
    await new Promise<void>((res, rej) => {
      this.#server.once('error', rej)
      this.#server.listen(0, '127.0.0.1', () => res())
    })
    this.port = (this.#server.address() as net.AddressInfo).port
    return this.port
  }

  mode(dir: Direction): Mode {
    return this.#modes[dir]
  }

  /** Sets faults for one direction or both (`'both'`); unspecified fields keep their value. */
  set(dir: Direction | 'both', patch: Partial<Omit<Mode, 'cutNext'>>): void {
    for (const d of dir === 'both' ? (['up', 'down'] as const) : [dir]) Object.assign(this.#modes[d], patch)
  }

  /** Back to a clean pass-through. */
  heal(): void {
    this.#modes.up = freshMode()
    this.#modes.down = freshMode()
  }

  /** The next frame in `dir` is written half, then its connection is cut (both sockets). */
  cutMidFrame(dir: Direction): void {
    this.#modes[dir].cutNext = true
  }

  /** Cuts every live connection now (both sockets destroyed). */
  cutAll(): void {
    for (const p of this.#pairs) {
      p.a.destroy()
      p.b.destroy()
    }
    this.#pairs.clear()
  }

  get live(): number {
    return this.#pairs.size
  }

  #accept(a: net.Socket): void {
    if (this.#pairs.size >= MAX_PAIRS) {
      a.destroy()
      return
    }
    this.accepted++
    a.setNoDelay(true)
    const b = net.connect(this.targetPort, '127.0.0.1')
    b.setNoDelay(true)
    const pair = { a, b }
    this.#pairs.add(pair)
    const kill = (): void => {
      a.destroy()
      b.destroy()
      this.#pairs.delete(pair)
    }
    for (const s of [a, b]) {
      s.on('error', kill)
      s.on('close', kill)
    }
    new Pipe(this, 'up', a, b, kill)
    new Pipe(this, 'down', b, a, kill)
  }

  async close(): Promise<void> {
    this.cutAll()
    await new Promise<void>((r) => this.#server.close(() => r()))
  }
}

function freshMode(): Mode {
  return { delayMs: 0, split: false, stall: false, flip: undefined, cutNext: false }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
