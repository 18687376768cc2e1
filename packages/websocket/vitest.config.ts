import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

export default defineProject({
  // One copy of @veltix/transport (its source) for this package and the transport's compliance suite, which
  // imports the source: its `instanceof` checks (OverflowError) then see the same classes.
  resolve: {
    alias: { '@veltix/transport': fileURLToPath(new URL('../transport/src/index.ts', import.meta.url)) },
  },
  test: {
    name: '@veltix/websocket',
    include: ['test/**/*.test.ts'],
  },
})
