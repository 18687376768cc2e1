import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@veltix/redis',
    include: ['test/**/*.test.ts'],
    // One real redis-server and a few child servers per file: files run one after another.
    fileParallelism: false,
  },
})
