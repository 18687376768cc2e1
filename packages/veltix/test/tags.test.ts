import { describe, expect, it } from 'vitest'
import { Tags } from '../src/tags.js'

describe('Tags (reference return values)', () => {
  it('addTag is false when the tag exists and keeps the first value', () => {
    const t = new Tags()
    expect(t.addTag('role', 'admin')).toBe(true)
    expect(t.addTag('role', 'guest')).toBe(false)
    expect(t.getTag('role')).toBe('admin')
    expect(t.addTag('authenticated')).toBe(true)
    expect(t.getTag('authenticated')).toBe(true)
  })

  it('removeTag reports whether it existed; getTag is null when absent', () => {
    const t = new Tags()
    t.addTag('guest')
    expect(t.removeTag('guest')).toBe(true)
    expect(t.removeTag('guest')).toBe(false)
    expect(t.getTag('guest')).toBeNull()
    expect(t.hasTag('guest')).toBe(false)
  })

  it('hasAllTags([]) is true and hasAnyTags([]) is false', () => {
    const t = new Tags()
    expect(t.hasAllTags([])).toBe(true)
    expect(t.hasAnyTags([])).toBe(false)
    t.addTag('auth')
    t.addTag('admin')
    expect(t.hasAllTags(['auth', 'admin'])).toBe(true)
    expect(t.hasAllTags(['auth', 'mod'])).toBe(false)
    expect(t.hasAnyTags(['mod', 'admin'])).toBe(true)
    expect(t.hasAnyTags(['mod'])).toBe(false)
  })

  it('clearTags removes every tag; a falsy value is still a present tag', () => {
    const t = new Tags()
    t.addTag('zero', 0)
    expect(t.getTag('zero')).toBe(0)
    expect(t.getTags()).toEqual(['zero'])
    t.clearTags()
    expect(t.getTags()).toEqual([])
    expect(t.getTag('zero')).toBeNull()
  })
})
