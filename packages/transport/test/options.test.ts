import { MessageTypeRegistry } from '@veltix/codec'
import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../src/options.js'
import { PerformanceMode } from '../src/types.js'

describe('resolveOptions', () => {
  it('returns the same object for the same settings (clients share one inbound decoder)', () => {
    const a = resolveOptions({ maxMessageSize: 4096 })
    const b = resolveOptions({ maxMessageSize: 4096 })
    expect(b).toBe(a)
  })

  it('returns a new object when any setting differs', () => {
    const a = resolveOptions({ maxMessageSize: 4096 })
    const b = resolveOptions({ maxMessageSize: 8192 })
    expect(b).not.toBe(a)
    expect(b.maxMessageSize).toBe(8192)
    const c = resolveOptions({ maxMessageSize: 8192, performanceMode: PerformanceMode.HIGH })
    expect(c).not.toBe(b)
    expect(c.flushOnImmediate).toBe(true)
    const d = resolveOptions({
      maxMessageSize: 8192,
      performanceMode: PerformanceMode.HIGH,
      registry: new MessageTypeRegistry(),
    })
    expect(d).not.toBe(c)
    expect(d.registry).toBeDefined()
  })
})
