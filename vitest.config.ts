import { defineConfig } from 'vitest/config'

// One root config, one project per package/app (each has its own vitest.config.ts).
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
  },
})
