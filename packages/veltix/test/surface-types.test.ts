// One name per concept, types included: across the root and every subpath, a name (type or value) resolves
// to one declaration (two `WaitOptions` or two `ConnectionStats` would fail here). Read with the TypeScript
// compiler from the sources, as a user's editor sees them.
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type * as TS from 'typescript'
import { describe, expect, it } from 'vitest'

const ts = createRequire(import.meta.url)('typescript') as typeof TS
const ENTRIES = ['index', 'codec', 'transport', 'session', 'router', 'logger']

describe('public surface, types included', () => {
  it('each exported name has one declaration across the entry points', () => {
    const files = ENTRIES.map((e) => fileURLToPath(new URL(`../src/${e}.ts`, import.meta.url)))
    const config = ts.readConfigFile(
      fileURLToPath(new URL('../tsconfig.json', import.meta.url)),
      ts.sys.readFile,
    )
    const parsed = ts.parseJsonConfigFileContent(
      config.config,
      ts.sys,
      fileURLToPath(new URL('..', import.meta.url)),
    )
    const program = ts.createProgram(files, { ...parsed.options, noEmit: true })
    const checker = program.getTypeChecker()
    const where = new Map<string, { decl: string; entry: string }>()
    let names = 0
    for (const [i, file] of files.entries()) {
      const mod = checker.getSymbolAtLocation(program.getSourceFile(file)!)!
      for (const exp of checker.getExportsOfModule(mod)) {
        names++
        const target = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp
        const d = target.declarations?.[0]
        const decl = d === undefined ? exp.name : `${d.getSourceFile().fileName}:${d.pos}`
        const prior = where.get(exp.name)
        if (prior === undefined) where.set(exp.name, { decl, entry: ENTRIES[i]! })
        else expect(decl, `${exp.name}: ${prior.entry} and ${ENTRIES[i]} differ`).toBe(prior.decl)
      }
    }
    expect(names).toBeGreaterThan(100)
  }, 30_000)
})
