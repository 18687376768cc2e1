import { ResumeBufferFullError } from './errors.js'

const EMPTY = new Uint8Array(0)

/**
 * What one side sent and the peer has not acknowledged, for replay after a reconnect. Application frames are
 * numbered implicitly (TCP keeps them in order, so both sides count the same way): the n-th frame sent is
 * sequence n (from 1). Acks are cumulative: `ack(n)` releases every frame up to n. Bounded in bytes; a push
 * over the bound throws `ResumeBufferFullError` (the caller cuts the connection and counts it).
 *
 * Parallel arrays of code, request id and payload (no object per message): a replay encodes them again.
 * Each kept frame counts `payload.length + overhead` bytes (the link passes the 22-byte header).
 */
export class ReplayBuffer {
  #frames: Uint8Array[] = []
  #codes: number[] = []
  #ids: number[] = []
  #head = 0 // index of the oldest kept frame in #frames
  #firstSeq = 1 // sequence number of #frames[#head]
  #bytes = 0
  /** Frames pushed over the bound (the connection was cut for each). */
  overflows = 0

  constructor(
    readonly maxBytes: number,
    readonly overhead = 0,
  ) {}

  /** Sequence number of the last frame pushed (0 before any). */
  get lastSeq(): number {
    return this.#firstSeq + this.length - 1
  }

  /** Sequence number the peer has acknowledged (everything before the oldest kept frame). */
  get acked(): number {
    return this.#firstSeq - 1
  }

  get length(): number {
    return this.#frames.length - this.#head
  }

  get bytes(): number {
    return this.#bytes
  }

  /** Keeps `frame` (not copied: the caller hands over bytes it will not reuse); returns its sequence number. */
  push(frame: Uint8Array, code = 0, requestId = 0): number {
    const n = frame.length + this.overhead
    if (this.#bytes + n > this.maxBytes) {
      this.overflows++
      throw new ResumeBufferFullError(this.#bytes + n, this.maxBytes)
    }
    this.#frames.push(frame)
    this.#codes.push(code)
    this.#ids.push(requestId)
    this.#bytes += n
    return this.lastSeq
  }

  /** Takes back the frame just pushed (its send was refused: it never went out, so it has no number). */
  dropLast(): void {
    if (this.length === 0) return
    this.#codes.pop()
    this.#ids.pop()
    this.#bytes -= this.#frames.pop()!.length + this.overhead
  }

  /** The peer has everything up to `seq` (cumulative; stale or repeated acks are ignored). False: an ack past what was sent. */
  ack(seq: number): boolean {
    if (seq > this.lastSeq) return false
    const frames = this.#frames
    while (this.#firstSeq <= seq) {
      this.#bytes -= frames[this.#head]!.length + this.overhead
      frames[this.#head] = EMPTY
      this.#head++
      this.#firstSeq++
    }
    // compact now and then, not on every ack
    if (this.#head > 1024 && this.#head * 2 > frames.length) {
      const h = this.#head
      this.#frames = frames.slice(h)
      this.#codes = this.#codes.slice(h)
      this.#ids = this.#ids.slice(h)
      this.#head = 0
    }
    return true
  }

  /**
   * The frames after `seq` (what a peer that received up to `seq` lacks), oldest first; undefined when some
   * of them are gone already (the peer claims less than it acknowledged): no replay is possible.
   */
  since(seq: number): Uint8Array[] | undefined {
    if (seq < this.acked || seq > this.lastSeq) return undefined
    return this.#frames.slice(this.#head + (seq - this.acked))
  }

  /**
   * Hands each frame after `seq` to `send(code, requestId, payload)` in order, until it returns false. Returns
   * how many went; undefined when the peer claims less than it acknowledged (no replay is possible).
   */
  replaySince(
    seq: number,
    send: (code: number, requestId: number, payload: Uint8Array) => boolean,
  ): number | undefined {
    if (seq < this.acked || seq > this.lastSeq) return undefined
    let n = 0
    for (let i = this.#head + (seq - this.acked); i < this.#frames.length; i++) {
      if (!send(this.#codes[i]!, this.#ids[i]!, this.#frames[i]!)) break
      n++
    }
    return n
  }

  /** Forget everything (a fresh start: `recovered: false`). */
  clear(): void {
    this.#frames = []
    this.#codes = []
    this.#ids = []
    this.#head = 0
    this.#firstSeq = 1
    this.#bytes = 0
  }
}

/**
 * The receiving side's count: how many application frames were delivered, and the drop of a replayed one
 * already delivered (duplicates never reach the application). The count is what acks carry.
 */
export class InboundSequence {
  /** Application frames delivered (the sequence number of the last one). */
  delivered = 0
  /** Replayed frames dropped as already delivered. */
  duplicates = 0
  #replayFrom = 0

  /** A replay follows whose first frame has sequence `firstSeq` (the peer's answer to our `delivered`). */
  expectReplayFrom(firstSeq: number): void {
    this.#replayFrom = firstSeq
  }

  /** Call for each application frame in arrival order: true = deliver it, false = a duplicate, drop it. */
  accept(): boolean {
    if (this.#replayFrom > 0 && this.#replayFrom <= this.delivered) {
      this.#replayFrom++
      this.duplicates++
      return false
    }
    this.#replayFrom = 0
    this.delivered++
    return true
  }
}

/**
 * When to send a cumulative ack: after `every` delivered frames, or `everyBytes` of them (so a peer with a
 * small `maxBufferedBytes` is released in time), or `delayMs` after the first unacked one, whichever comes
 * first — never one ack frame per message. `send()` is called to ack what was delivered.
 */
export class AckScheduler {
  #pending = 0
  #bytes = 0
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    readonly send: () => void,
    readonly every = 1024,
    readonly delayMs = 50,
    readonly everyBytes = 64 * 1024,
  ) {}

  /** One more frame delivered (`bytes` of it). */
  delivered(bytes = 0): void {
    this.#bytes += bytes
    if (++this.#pending >= this.every || this.#bytes >= this.everyBytes) {
      this.flush()
      return
    }
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        this.flush()
      }, this.delayMs)
      this.#timer.unref?.()
    }
  }

  /** Acks what is pending now. An armed timer stays (clearing it costs more than letting it find nothing). */
  flush(): void {
    if (this.#pending === 0) return
    this.#pending = 0
    this.#bytes = 0
    this.send()
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#pending = 0
    this.#bytes = 0
  }
}
