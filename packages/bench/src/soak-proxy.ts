import net from 'node:net'

/**
 * The soak run's fault-injecting TCP proxy (loopback only; a small cousin of the veltix tests' helper, which
 * the bench cannot import). It cuts each direction into Veltix frames (22-byte header + payload) and
 * forwards them whole, so a fault aims at one connection and one frame: `cut` (half a frame, then both
 * sockets destroyed), `delay` (frames held for a while), `stall` (frames swallowed: a blackhole the
 * heartbeat must notice), `flip` (one payload bit of the next application frame: the CRC must catch it).
 */
export type SoakFault = 'cut' | 'delay' | 'stall' | 'flip'
export const SOAK_FAULTS: readonly SoakFault[] = ['cut', 'delay', 'stall', 'flip']

const HEADER = 22
const MAX_FRAME = 16 * 1024 * 1024

interface PipeState {
  delayUntil: number
  delayMs: number
  stallUntil: number
  cutNext: boolean
  flipNext: boolean
}

class Pair {
  readonly up: PipeState = fresh()
  readonly down: PipeState = fresh()
  constructor(
    readonly a: net.Socket,
    readonly b: net.Socket,
  ) {}
  kill(): void {
    this.a.destroy()
    this.b.destroy()
  }
}

export class SoakProxy {
  readonly #server: net.Server
  readonly #pairs = new Set<Pair>()
  port = 0
  /** What was injected, by kind. */
  readonly injected: Record<SoakFault, number> = { cut: 0, delay: 0, stall: 0, flip: 0 }
  accepted = 0

  constructor(
    readonly targetPort: number,
    readonly maxPairs = 4096,
  ) {
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

  get live(): number {
    return this.#pairs.size
  }

  /** Injects `fault` on one live connection picked at random (in a random direction); false if none is live. */
  inject(fault: SoakFault, random: () => number = Math.random): boolean {
    if (this.#pairs.size === 0) return false
    let i = Math.floor(random() * this.#pairs.size)
    let pair: Pair | undefined
    for (const p of this.#pairs) if (i-- === 0) pair = p
    const s = random() < 0.5 ? pair!.up : pair!.down
    const now = Date.now()
    if (fault === 'cut') s.cutNext = true
    else if (fault === 'flip') s.flipNext = true
    else if (fault === 'delay') {
      s.delayMs = 20 + Math.floor(random() * 180)
      s.delayUntil = now + 1000
    } else s.stallUntil = now + 5000 // longer than the soak clients' heartbeat interval + timeout
    this.injected[fault]++
    return true
  }

  #accept(a: net.Socket): void {
    if (this.#pairs.size >= this.maxPairs) {
      a.destroy()
      return
    }
    this.accepted++
    const b = net.connect(this.targetPort, '127.0.0.1')
    a.setNoDelay(true)
    b.setNoDelay(true)
    const pair = new Pair(a, b)
    this.#pairs.add(pair)
    const kill = (): void => {
      pair.kill()
      this.#pairs.delete(pair)
    }
    for (const s of [a, b]) {
      s.on('error', kill)
      s.on('close', kill)
    }
    pipe(a, b, pair.up, kill)
    pipe(b, a, pair.down, kill)
  }

  async close(): Promise<void> {
    for (const p of this.#pairs) p.kill()
    this.#pairs.clear()
    await new Promise<void>((r) => this.#server.close(() => r()))
  }
}

function pipe(from: net.Socket, to: net.Socket, st: PipeState, kill: () => void): void {
  let buf: Buffer = Buffer.alloc(0)
  let chain: Promise<void> = Promise.resolve()
  from.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
    while (buf.length >= HEADER) {
      const size = buf.readUInt32BE(2)
      if (size > MAX_FRAME) return kill() // not a Veltix stream: bounded
      if (buf.length < HEADER + size) break
      const frame = Buffer.from(buf.subarray(0, HEADER + size))
      buf = buf.subarray(HEADER + size)
      const now = Date.now()
      if (now < st.stallUntil) continue // swallowed
      if (st.cutNext) {
        st.cutNext = false
        to.write(frame.subarray(0, Math.max(1, frame.length >> 1)), kill)
        return
      }
      if (st.flipNext && size > 0 && frame.readUInt16BE(0) >= 200) {
        st.flipNext = false
        frame[HEADER + Math.floor(Math.random() * size)]! ^= 1 << Math.floor(Math.random() * 8)
      }
      if (now < st.delayUntil) {
        // each frame held delayMs from its arrival (not cumulative), in order
        const at = now + st.delayMs
        chain = chain
          .then(() => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now()))))
          .then(() => {
            if (!to.destroyed) to.write(frame)
          })
      } else {
        // behind any frame still delayed: order kept
        chain = chain.then(() => {
          if (!to.destroyed) to.write(frame)
        })
      }
    }
  })
}

function fresh(): PipeState {
  return { delayUntil: 0, delayMs: 0, stallUntil: 0, cutNext: false, flipNext: false }
}
