import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@veltix/websocket',
    include: ['test/**/*.test.ts'],
  },
})
