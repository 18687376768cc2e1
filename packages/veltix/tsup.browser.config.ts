import { fileURLToPath } from 'node:url'
import { defineConfig } from 'tsup'

// `veltix/browser`: ONE self-contained ES module for web pages. Everything it uses is bundled into it (no
// bare imports left for a page to resolve), for the browser platform (no Node built-ins).
export default defineConfig({
  entry: { browser: 'src/browser/index.ts' },
  // cjs only for the .d.cts typings that `types.require` points to (as every subpath); the tarball ships
  // no .cjs file: CommonJS programs load the ES module through require(esm).
  format: ['esm', 'cjs'],
  platform: 'browser',
  target: 'es2022',
  dts: true,
  clean: false, // runs after the Node build into the same dist/
  sourcemap: true,
  splitting: false,
  noExternal: [/.*/],
  // The session's errors take AbortError from @veltix/transport, whose entry also holds the Node socket cores:
  // the browser build reads that one pure module instead (no node:net / node:tls in the bundle).
  esbuildPlugins: [
    {
      name: 'transport-errors-only',
      setup(build) {
        build.onResolve({ filter: /^@veltix\/transport$/ }, () => ({
          path: fileURLToPath(new URL('../transport/src/errors.ts', import.meta.url)),
        }))
      },
    },
  ],
  esbuildOptions(options) {
    // Modules shared with the Node build (typed messages) import '@veltix/codec': give them the browser's.
    options.alias = { '@veltix/codec': './src/browser/codec-alias.ts' }
  },
})
