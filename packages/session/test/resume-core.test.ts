import { afterEach, describe, expect, it, vi } from 'vitest'
import { ResumeBufferFullError } from '../src/protocol/resume/errors.js'
import { AckScheduler, InboundSequence, ReplayBuffer } from '../src/protocol/resume/replay-buffer.js'
import { createResumeToken, resumeProof, tokenKey, verifyResumeProof } from '../src/protocol/resume/token.js'

const frame = (n: number, len = 10): Uint8Array => new Uint8Array(len).fill(n & 0xff)

describe('ReplayBuffer', () => {
  it('numbers frames from 1, releases on cumulative acks, replays what the peer lacks', () => {
    const b = new ReplayBuffer(1000)
    for (let i = 1; i <= 5; i++) expect(b.push(frame(i))).toBe(i)
    expect(b.bytes).toBe(50)
    expect(b.since(2)!.map((f) => f[0])).toEqual([3, 4, 5])
    expect(b.ack(3)).toBe(true)
    expect(b.acked).toBe(3)
    expect(b.bytes).toBe(20)
    expect(b.ack(1)).toBe(true) // stale: ignored
    expect(b.acked).toBe(3)
    expect(b.since(3)!.map((f) => f[0])).toEqual([4, 5])
    expect(b.since(5)).toEqual([])
    // the peer claims less than it acked (those frames are gone) or more than was sent: no replay
    expect(b.since(2)).toBeUndefined()
    expect(b.since(6)).toBeUndefined()
    expect(b.ack(6)).toBe(false)
  })

  it('is bounded in bytes: a push over the bound throws a typed error and counts it', () => {
    const b = new ReplayBuffer(25)
    b.push(frame(1))
    b.push(frame(2))
    const e = (() => {
      try {
        b.push(frame(3))
      } catch (err) {
        return err
      }
    })()
    expect(e).toBeInstanceOf(ResumeBufferFullError)
    expect((e as ResumeBufferFullError).code).toBe('VELTIX_ERR_RESUME_BUFFER_FULL')
    expect(b.overflows).toBe(1)
    expect(b.lastSeq).toBe(2) // the refused frame took no number
    b.ack(2)
    expect(b.push(frame(3))).toBe(3)
  })

  it('keeps exactly the unacked frames over long runs (compaction)', () => {
    const b = new ReplayBuffer(1 << 20)
    for (let i = 1; i <= 5000; i++) {
      b.push(frame(i, 4))
      if (i % 7 === 0) b.ack(i - 3)
    }
    expect(b.length).toBe(5000 - b.acked)
    expect(b.bytes).toBe(4 * b.length)
    expect(b.since(b.acked)![0]![0]).toBe((b.acked + 1) & 0xff)
    b.clear()
    expect([b.length, b.bytes, b.lastSeq]).toEqual([0, 0, 0])
  })
})

describe('InboundSequence', () => {
  it('delivers each sequence number once: a replay overlapping what arrived is de-duplicated', () => {
    const s = new InboundSequence()
    const got: number[] = []
    let wire = 0
    const arrive = (): void => {
      wire++
      if (s.accept()) got.push(s.delivered)
    }
    for (let i = 0; i < 5; i++) arrive() // 1..5 delivered
    // the peer had acked only 3 and replays from 4: 4 and 5 are duplicates, 6.. new
    s.expectReplayFrom(4)
    for (let i = 0; i < 4; i++) arrive()
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(s.duplicates).toBe(2)
    expect(wire).toBe(9)
  })
})

describe('AckScheduler', () => {
  afterEach(() => vi.useRealTimers())
  it('batches: one ack per `every` frames, or after delayMs for a tail, never one per message', () => {
    vi.useFakeTimers()
    let acks = 0
    const a = new AckScheduler(() => acks++, 10, 50)
    for (let i = 0; i < 95; i++) a.delivered()
    expect(acks).toBe(9)
    vi.advanceTimersByTime(49)
    expect(acks).toBe(9)
    vi.advanceTimersByTime(1)
    expect(acks).toBe(10)
    a.flush()
    expect(acks).toBe(10) // nothing pending: no empty ack
    a.delivered()
    a.stop()
    vi.advanceTimersByTime(100)
    expect(acks).toBe(10)
  })
})

describe('resume token', () => {
  it('is random, single-purpose, and a proof bound to one connection does not verify on another', () => {
    const t = createResumeToken()
    const u = createResumeToken()
    expect(t.id).toHaveLength(16)
    expect(t.secret).toHaveLength(32)
    expect(tokenKey(t.id)).not.toBe(tokenKey(u.id))
    expect(verifyResumeProof(t.secret, resumeProof(t.secret))).toBe(true)
    expect(verifyResumeProof(t.secret, resumeProof(u.secret))).toBe(false)
    const connA = new Uint8Array(32).fill(1)
    const connB = new Uint8Array(32).fill(2)
    const proofA = resumeProof(t.secret, connA)
    expect(verifyResumeProof(t.secret, proofA, connA)).toBe(true)
    expect(verifyResumeProof(t.secret, proofA, connB)).toBe(false) // replayed on another connection
    expect(verifyResumeProof(t.secret, t.secret, connA)).toBe(false) // the bare secret is not a proof there
    expect(verifyResumeProof(t.secret, new Uint8Array(0), connA)).toBe(false)
  })
})
