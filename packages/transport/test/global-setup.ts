import { fileURLToPath } from 'node:url'
import { build } from 'tsup'

/**
 * The worker core loads its thread script from dist/worker.js (Node cannot run the TypeScript source in a
 * worker_thread). Rebuild just that file from the current source before the tests, without touching the
 * rest of dist/.
 */
export default async function setup(): Promise<void> {
  await build({
    config: false,
    entry: { worker: fileURLToPath(new URL('../src/worker/worker-main.ts', import.meta.url)) },
    outDir: fileURLToPath(new URL('../dist', import.meta.url)),
    format: ['esm'],
    target: 'node20',
    clean: false,
    dts: false,
    sourcemap: true,
    splitting: false,
    silent: true,
    external: ['@veltix/codec', '@veltix/logger'],
  })
}
