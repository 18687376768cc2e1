import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@veltix/bench',
    include: ['test/**/*.test.ts'],
  },
})
