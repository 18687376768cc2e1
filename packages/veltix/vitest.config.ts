import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

const src = fileURLToPath(new URL('./src/', import.meta.url))

export default defineProject({
  // `veltix` and `veltix/<sub>` resolve to the sources, so the README examples (which import 'veltix' as a
  // user would) run without a build.
  resolve: {
    alias: [
      { find: /^veltix$/, replacement: `${src}index.ts` },
      { find: /^veltix\/(codec|transport|session|router|logger)$/, replacement: `${src}$1.ts` },
    ],
  },
  test: {
    name: 'veltix',
    include: ['test/**/*.test.ts'],
  },
})
