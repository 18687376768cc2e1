// One name per concept across packages: a name that `veltix` (root or a subpath) and one of the packages it
// builds on (`@veltix/transport`, `@veltix/session`, ...) both export must be the same declaration, so a user
// who imports `ConnectionStats` or `DEFAULT_CONNECT_TIMEOUT` from either gets one meaning and one value.
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type * as TS from 'typescript'
import { describe, expect, it } from 'vitest'

const ts = createRequire(import.meta.url)('typescript') as typeof TS
const ENTRIES = ['index', 'codec', 'transport', 'session', 'router', 'logger']
const PACKAGES = ['@veltix/codec', '@veltix/transport', '@veltix/session', '@veltix/router', '@veltix/logger']

function surface() {
  const own = ENTRIES.map((e) => fileURLToPath(new URL(`../src/${e}.ts`, import.meta.url)))
  const config = ts.readConfigFile(
    fileURLToPath(new URL('../tsconfig.json', import.meta.url)),
    ts.sys.readFile,
  )
  const parsed = ts.parseJsonConfigFileContent(
    config.config,
    ts.sys,
    fileURLToPath(new URL('..', import.meta.url)),
  )
  // The packages as `veltix` resolves them (their published .d.ts), so re-exports compare equal.
  const deps = PACKAGES.map((p) => {
    const r = ts.resolveModuleName(
      p,
      own[0]!,
      parsed.options,
      ts.sys,
      undefined,
      undefined,
      ts.ModuleKind.ESNext,
    ).resolvedModule
    if (r === undefined) throw new Error(`cannot resolve ${p} (build it first)`)
    return r.resolvedFileName
  })
  const program = ts.createProgram([...own, ...deps], { ...parsed.options, noEmit: true })
  const checker = program.getTypeChecker()
  const exportsOf = (file: string, label: string) => {
    const mod = checker.getSymbolAtLocation(program.getSourceFile(file)!)!
    return checker.getExportsOfModule(mod).map((exp) => {
      const target = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp
      const d = target.declarations?.[0]
      return {
        name: exp.name,
        label,
        decl: d === undefined ? exp.name : `${d.getSourceFile().fileName}:${d.pos}`,
      }
    })
  }
  return {
    veltix: own.flatMap((f, i) => exportsOf(f, `veltix/${ENTRIES[i]}`)),
    packages: deps.flatMap((f, i) => exportsOf(f, PACKAGES[i]!)),
  }
}

describe('public surface across packages', () => {
  const s = surface()

  it('a name veltix and a lower package both export is one declaration', () => {
    const lower = new Map<string, { label: string; decl: string }>()
    for (const e of s.packages) if (!lower.has(e.name)) lower.set(e.name, e)
    let shared = 0
    for (const e of s.veltix) {
      const l = lower.get(e.name)
      if (l === undefined) continue
      shared++
      expect(e.decl, `${e.name}: ${e.label} and ${l.label} differ`).toBe(l.decl)
    }
    expect(shared).toBeGreaterThan(50)
  }, 30_000)

  it('the encryption policy has one name: EncryptionPolicy (EncryptionMode is gone)', () => {
    const names = new Set(s.veltix.map((e) => e.name))
    expect(names.has('EncryptionPolicy')).toBe(true)
    expect(names.has('EncryptionMode')).toBe(false)
  })

  it('the transport frame counters are FrameStats; ConnectionStats is only veltix’s message counters', () => {
    expect(s.packages.some((e) => e.name === 'ConnectionStats')).toBe(false)
    expect(s.packages.some((e) => e.label === '@veltix/transport' && e.name === 'FrameStats')).toBe(true)
    const own = s.veltix.filter((e) => e.name === 'ConnectionStats')
    expect(own.length).toBeGreaterThan(0)
    for (const e of own) expect(e.decl).toMatch(/veltix\/src\/stats\.ts:/)
  })
})
