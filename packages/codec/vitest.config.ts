import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@veltix/codec',
    include: ['test/**/*.test.ts'],
  },
})
