import ts from 'typescript'
import { defineProject } from 'vitest/config'

// Vite's own transformer does not lower TC39 (TS 5 standard) decorators yet, and Node 20 cannot run them:
// test files that use `@handles` are compiled by TypeScript itself, exactly as a user's `tsc` build would.
const standardDecorators = {
  name: 'veltix-standard-decorators',
  enforce: 'pre' as const,
  transform(code: string, id: string) {
    if (!id.endsWith('.ts') || !/^\s*@handles\(/m.test(code)) return undefined
    const out = ts.transpileModule(code, {
      fileName: id,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        experimentalDecorators: false,
        sourceMap: true,
      },
    })
    return { code: out.outputText, map: out.sourceMapText }
  },
}

export default defineProject({
  plugins: [standardDecorators],
  test: {
    name: '@veltix/router',
    include: ['test/**/*.test.ts'],
  },
})
