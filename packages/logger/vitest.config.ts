import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@veltix/logger',
    include: ['test/**/*.test.ts'],
  },
})
