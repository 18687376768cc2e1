import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { defineProject } from 'vitest/config'

const src = fileURLToPath(new URL('./src/', import.meta.url))

// Vite's transformer does not lower TS 5 standard decorators and Node 20 cannot run them: files that use
// `@handles` (tests, README examples) are compiled by TypeScript itself, as a user's `tsc` build would.
const standardDecorators = {
  name: 'veltix-standard-decorators',
  enforce: 'pre' as const,
  transform(code: string, id: string) {
    if (!/\.m?ts$/.test(id) || !/^\s*@handles\(/m.test(code)) return undefined
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
  // `veltix` and `veltix/<sub>` resolve to the sources, so the README examples (which import 'veltix' as a
  // user would) run without a build.
  resolve: {
    alias: [
      { find: /^veltix$/, replacement: `${src}index.ts` },
      { find: /^veltix\/(codec|transport|session|router|logger)$/, replacement: `${src}$1.ts` },
      { find: /^veltix\/plugins$/, replacement: `${src}plugins.ts` },
    ],
  },
  test: {
    name: 'veltix',
    include: ['test/**/*.test.ts'],
    // Rebuilds dist/ when stale: the bin and pack tests run the built code.
    globalSetup: ['./test/global-setup.ts'],
  },
})
