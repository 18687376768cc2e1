import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { ownerOf, summarizeProfile } from '../src/profile.js'
import { createProgressReporter } from '../src/progress.js'

function capture(tty: boolean): {
  stream: PassThrough & { isTTY?: boolean; columns?: number }
  text: () => string
} {
  const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 100 })
  const chunks: string[] = []
  stream.on('data', (c: Buffer) => chunks.push(c.toString()))
  return { stream, text: () => chunks.join('') }
}

describe('progress', () => {
  it('draws a bar in place on a TTY, and a final line per workload', () => {
    const { stream, text } = capture(true)
    const p = createProgressReporter(stream)
    p.start('latency', 4)
    p.update(0.5, 'veltix/loop ping')
    p.end('latency', 1500)
    const out = text()
    expect(out).toContain('\r\x1b[2K')
    expect(out).toMatch(/\[#{14}-{14}\]\s+50% veltix\/loop ping/)
    expect(out).toMatch(/latency\s+done in 1\.5 s\n$/)
  })

  it('prints plain lines otherwise: one per phase, no control characters', () => {
    const { stream, text } = capture(false)
    const p = createProgressReporter(stream)
    p.start('burst', 2)
    p.update(0, 'baseline')
    p.update(0.2, 'baseline')
    p.update(0.5, 'veltix/loop')
    p.end('burst', 100, new Error('child died'))
    expect(text()).toBe(
      'burst: 2 phases\n  [burst] baseline\n  [burst] veltix/loop\nburst: FAILED: child died\n',
    )
  })
})

describe('CPU profile summary', () => {
  it('adds self time per function and per package', () => {
    const node = (id: number, functionName: string, url: string) => ({
      id,
      callFrame: { functionName, url, lineNumber: 9, columnNumber: 0, scriptId: '1' },
    })
    const profile = {
      nodes: [
        node(1, '(root)', ''),
        node(2, '(idle)', ''),
        node(3, '#onFrame', 'file:///work/main/packages/session/dist/index.js'),
        node(4, 'send', 'file:///work/main/packages/transport/dist/index.js'),
        node(5, 'writeBuffer', ''),
      ],
      startTime: 0,
      endTime: 10_000,
      samples: [2, 3, 3, 3, 4, 5, 2, 3],
      timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 2000, 2000],
    }
    const s = summarizeProfile(profile, 'x.cpuprofile')
    expect(s.totalMs).toBe(10)
    expect(s.top[0]).toMatchObject({ fn: '#onFrame', owner: '@veltix/session', selfMs: 5, percent: 50 })
    expect(s.top[0]?.where).toBe('session/dist/index.js:10')
    expect(s.byOwner.find((o) => o.owner === '@veltix/transport')?.selfMs).toBe(1)
    expect(s.byOwner.find((o) => o.owner === '(idle)')?.selfMs).toBe(3)
  })

  it('names owners', () => {
    expect(ownerOf('file:///a/packages/veltix/dist/index.js', 'f')).toBe('veltix')
    expect(ownerOf('file:///a/packages/codec/dist/index.js', 'f')).toBe('@veltix/codec')
    expect(ownerOf('node:internal/streams/writable', 'f')).toBe('node:streams')
    expect(ownerOf('node:net', 'f')).toBe('node:net')
    expect(ownerOf('', 'writev')).toBe('(native)')
    expect(ownerOf('', '(garbage collector)')).toBe('(garbage collector)')
  })
})
