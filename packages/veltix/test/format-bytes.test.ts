import { describe, expect, it } from 'vitest'
import { formatBytes } from '../src/format-bytes.js'

describe('formatBytes', () => {
  it('gives the documented outputs', () => {
    expect(formatBytes(148)).toBe('148 B')
    expect(formatBytes(148_000)).toBe('144.5 KB')
    expect(formatBytes(3_000_000)).toBe('2.86 MB')
  })

  it('switches unit at 1024 and never shows 1024 of a unit', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1024)).toBe('1 KB')
    expect(formatBytes(1025)).toBe('1 KB')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(1_048_575)).toBe('1 MB')
    expect(formatBytes(1_048_576)).toBe('1 MB')
    expect(formatBytes(1024 ** 3 - 1)).toBe('1 GB')
    expect(formatBytes(1024 ** 4)).toBe('1 TB')
    expect(formatBytes(5000 * 1024 ** 4)).toBe('5000 TB')
  })

  it('keeps at most two decimals and four significant digits, trailing zeros dropped', () => {
    expect(formatBytes(1024 * 1.005)).toBe('1 KB') // 1.00499.. -> 1
    expect(formatBytes(1024 * 12.345)).toBe('12.35 KB')
    expect(formatBytes(1024 * 123.456)).toBe('123.5 KB')
    expect(formatBytes(1024 * 1000.4)).toBe('1000 KB')
    expect(formatBytes(1024 * 2.1)).toBe('2.1 KB')
  })

  it('keeps the sign and rejects non-finite input', () => {
    expect(formatBytes(-2048)).toBe('-2 KB')
    expect(() => formatBytes(Number.NaN)).toThrow(RangeError)
    expect(() => formatBytes(Number.POSITIVE_INFINITY)).toThrow(RangeError)
  })
})
