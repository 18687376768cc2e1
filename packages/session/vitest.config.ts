import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@veltix/session',
    include: ['test/**/*.test.ts'],
  },
})
