// `--web PORT`: the chat for browsers. One http server gives the page (web/index.html) and the browser
// client (veltix/browser), and hands WebSocket upgrades on /veltix to the chat server's listener.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { webSocketListener } from '@veltix/websocket'

export function webChat(host: string, port: number) {
  const files: Record<string, [type: string, path: string]> = {
    '/': ['text/html', fileURLToPath(new URL('../web/index.html', import.meta.url))],
    '/veltix.js': ['text/javascript', fileURLToPath(import.meta.resolve('veltix/browser'))],
  }
  const http = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]!]
    if (file === undefined) return void res.writeHead(404).end('not found')
    res.writeHead(200, { 'content-type': `${file[0]}; charset=utf-8` }).end(readFileSync(file[1]))
  })
  return {
    listener: webSocketListener({ server: http, path: '/veltix' }),
    /** Listens; resolves the page's URL. */
    start: () =>
      new Promise<string>((resolve, reject) => {
        http.once('error', reject).listen(port, host, () => {
          resolve(`http://${host}:${(http.address() as AddressInfo).port}/`)
        })
      }),
    close: () => new Promise<void>((resolve) => http.close(() => resolve()).closeAllConnections()),
  }
}
