import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@veltix/router',
    include: ['test/**/*.test.ts'],
  },
})
