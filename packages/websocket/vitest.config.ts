import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

export default defineProject({
  // One copy of @veltix/transport (its source) for this package and the transport's compliance suite, which
  // imports the source: its `instanceof` checks (OverflowError) then see the same classes.
  resolve: {
    alias: [
      // Exact matches: `@veltix/transport/internal` (used by the session) must not become `…/index.ts/internal`.
      {
        find: /^@veltix\/transport$/,
        replacement: fileURLToPath(new URL('../transport/src/index.ts', import.meta.url)),
      },
      {
        find: /^@veltix\/transport\/internal$/,
        replacement: fileURLToPath(new URL('../transport/src/internal.ts', import.meta.url)),
      },
    ],
  },
  test: {
    name: '@veltix/websocket',
    include: ['test/**/*.test.ts'],
  },
})
