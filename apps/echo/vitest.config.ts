import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'veltix-echo',
    include: ['test/**/*.test.ts'],
  },
})
