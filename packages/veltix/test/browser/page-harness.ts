// What the Chromium tests need: the built `veltix/browser` module, and a loopback http server giving a page
// that loads it (the browser itself: find-chromium.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'tsup'
import browserConfig from '../../tsup.browser.config.js'

/**
 * Builds `veltix/browser` from the sources with the package's own tsup config (so the test never runs a
 * stale dist/) and returns the module's text.
 */
export async function buildBrowserModule(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'veltix-browser-'))
  try {
    const config = Array.isArray(browserConfig) ? browserConfig[0] : browserConfig
    await build({
      ...(config as object),
      format: ['esm'],
      outDir,
      dts: false,
      sourcemap: false,
      silent: true,
      config: false,
    })
    return readFileSync(join(outDir, 'browser.js'), 'utf8')
  } finally {
    rmSync(outDir, { recursive: true, force: true })
  }
}

/** An http server on 127.0.0.1 giving `/` (a page that puts the module on `window.veltix`) and `/veltix.js`. */
export async function servePage(moduleText: string): Promise<{ url: string; close(): Promise<void> }> {
  const page = `<!doctype html><meta charset="utf-8"><title>veltix/browser test</title>
<script type="module">import * as veltix from '/veltix.js'; window.veltix = veltix; window.veltixReady = true</script>`
  const server: Server = createServer((req, res) => {
    if (req.url === '/veltix.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(moduleText)
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page)
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
