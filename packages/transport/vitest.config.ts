import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@veltix/transport',
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
  },
})
