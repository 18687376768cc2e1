import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'veltix',
    include: ['test/**/*.test.ts'],
  },
})
