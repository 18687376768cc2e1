import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

const source = (file: string): string => fileURLToPath(new URL(`../transport/src/${file}`, import.meta.url))

export default defineProject({
  // One copy of @veltix/transport (its source) for this package and the transport's compliance suite, which
  // imports the source: its `instanceof` checks (OverflowError) then see the same classes.
  resolve: {
    alias: [
      { find: /^@veltix\/transport$/, replacement: source('index.ts') },
      { find: /^@veltix\/transport\/internal$/, replacement: source('internal.ts') },
    ],
  },
  test: {
    name: '@veltix/websocket',
    include: ['test/**/*.test.ts'],
  },
})
