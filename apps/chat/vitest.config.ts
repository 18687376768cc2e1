import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'veltix-chat',
    include: ['test/**/*.test.ts'],
  },
})
