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
  // Modules shared with the Node build import '@veltix/codec' (typed messages), '@veltix/transport' and its
  // /internal (the session's errors take AbortError there; those entries also hold the Node socket cores, so
  // the bundle reads transport's one pure errors module) and 'node:crypto' (the codec's request ids): they get
  // the browser's. (tsup would otherwise strip `node:` and leave node:crypto external.)
  removeNodeProtocol: false,
  esbuildPlugins: [
    {
      name: 'veltix-browser-aliases',
      setup(build) {
        const to = (file: string) => () => ({ path: fileURLToPath(new URL(file, import.meta.url)) })
        build.onResolve({ filter: /^@veltix\/codec$/ }, to('./src/browser/codec-alias.ts'))
        build.onResolve({ filter: /^@veltix\/transport(\/internal)?$/ }, to('../transport/src/errors.ts'))
        build.onResolve({ filter: /^node:crypto$/ }, to('./src/browser/node-crypto.ts'))
      },
    },
  ],
})
