// veltix/browser in a real headless Chromium (the system's, driven by playwright-core): a page served from
// loopback loads the built module and talks to a Veltix server over its WebSocket listener.
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { webSocketListener } from '../../../websocket/src/index.js'
import {
  Client,
  type ClientInfo,
  MessageType,
  noopLogger,
  Request,
  type Response,
  Server,
} from '../../src/index.js'
import { waitFor } from '../helpers.js'
import { chromiumOrSkip } from './find-chromium.js'
import { buildBrowserModule, servePage } from './page-harness.js'

const executablePath = chromiumOrSkip('the veltix/browser Chromium tests')

type Veltix = typeof import('../../src/browser/index.js')
/** The page's globals (the tests run in the page through `page.evaluate`; no DOM types here). */
interface G {
  veltix: Veltix
  veltixReady?: boolean
  t: {
    client: InstanceType<Veltix['Client']>
    CHAT: InstanceType<Veltix['MessageType']>
    ECHO: InstanceType<Veltix['MessageType']>
    got: string[]
    events: string[]
  }
}

describe.skipIf(executablePath === undefined)('veltix/browser in headless Chromium', () => {
  let moduleText = ''
  let site: Awaited<ReturnType<typeof servePage>>
  let browser: Browser
  let page: Page
  const servers: Server[] = []
  const tcpClients: Client[] = []

  beforeAll(async () => {
    moduleText = await buildBrowserModule()
    site = await servePage(moduleText)
    browser = await chromium.launch({ executablePath: executablePath! })
  }, 60_000)
  afterEach(async () => {
    await page?.evaluate(async () => (globalThis as unknown as G).t?.client?.disconnect()).catch(() => {})
    await page?.close()
    await Promise.all(tcpClients.splice(0).map((c) => c.disconnect()))
    await Promise.all(servers.splice(0).map((s) => s.closeAll()))
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
  })

  async function openPage(): Promise<Page> {
    page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto(site.url)
    await page.waitForFunction(() => (globalThis as unknown as G).veltixReady === true, undefined, {
      timeout: 10_000,
    })
    expect(errors).toEqual([])
    return page
  }

  it('is one self-contained ES module: no imports left, no Node built-ins, no Buffer, no require', () => {
    // The code without its comments (which may well mention node:tls).
    const code = moduleText.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
    expect(code).not.toMatch(/^\s*import[\s{*]/m)
    expect(code).not.toMatch(/\bfrom\s*['"]|\bimport\s*\(/)
    expect(code).not.toMatch(/node:|\brequire\(|\bBuffer\b|\bprocess\./)
    expect(code).toMatch(/export\s*{/)
    expect(code).toMatch(/\bClient = class\b/)
  })

  it('connects, sends, gets a broadcast from a TCP client, sendAndWait, ping, and reconnects after a server restart', async () => {
    const ws = webSocketListener({ port: 0, path: '/veltix' })
    const server = new Server({ host: '127.0.0.1', port: 0, logger: noopLogger, listeners: [ws] })
    servers.push(server)
    const CHAT = new MessageType(200, 'chat')
    const ECHO = new MessageType(201, 'echo')
    // One route for TCP and WebSocket clients alike: CHAT goes to every client, ECHO back to its sender.
    server.route(CHAT, (r: Response) =>
      server.getSender().broadcast(new Request(CHAT, r.content), server.getAllClientsSockets()),
    )
    server.route(ECHO, (r: Response, c: ClientInfo) =>
      server.getSender().send(new Request(ECHO, r.content, { requestId: r.id }), c),
    )
    await server.start()
    const url = `ws://127.0.0.1:${ws.port}/veltix`

    const tcp = new Client({ serverAddr: '127.0.0.1', port: server.port, logger: noopLogger })
    tcpClients.push(tcp)
    const tcpGot: string[] = []
    tcp.route(CHAT, (r: Response) => tcpGot.push(r.text()))
    expect(await tcp.connect()).toBe(true)

    const p = await openPage()
    const connected = await p.evaluate(async (url) => {
      const g = globalThis as unknown as G
      const { Client, MessageType } = g.veltix
      const client = new Client({ url, retry: 100, retryDelay: 50 })
      const t = {
        client,
        CHAT: new MessageType(200, 'chat'),
        ECHO: new MessageType(201, 'echo'),
        got: [] as string[],
        events: [] as string[],
      }
      g.t = t
      client.route(t.CHAT, (r) => t.got.push(r.text()))
      client.onConnect(() => t.events.push('connect'))
      client.onDisconnect((s) => t.events.push(`disconnect:${s.reason}:${s.permanent}`))
      return client.connect()
    }, url)
    expect(connected).toBe(true)
    await waitFor(() => server.getAllClients().length === 2, 5000, 'both clients at the server')

    // A TCP client's message reaches the page through the server's broadcast, and the page's the TCP client.
    tcp.getSender().send(new Request(CHAT, 'from tcp'))
    await p.waitForFunction(() => (globalThis as unknown as G).t.got.includes('from tcp'), undefined, {
      timeout: 5000,
    })
    await p.evaluate(() => {
      const { t, veltix } = globalThis as unknown as G
      return t.client.getSender().send(new veltix.Request(t.CHAT, 'from chromium ü'))
    })
    await waitFor(() => tcpGot.includes('from chromium ü'), 5000, 'the page message at the TCP client')

    // sendAndWait and ping
    const reply = await p.evaluate(async () => {
      const { t, veltix } = globalThis as unknown as G
      const r = await t.client.sendAndWait(new veltix.Request(t.ECHO, 'echo?'), { timeout: 5000 })
      return { text: r?.text(), latency: r?.latency }
    })
    expect(reply.text).toBe('echo?')
    expect(reply.latency).toBeGreaterThan(0)
    const rtt = await p.evaluate(() => (globalThis as unknown as G).t.client.pingServer({ timeout: 5000 }))
    expect(rtt).toBeGreaterThan(0)

    // The server restarts (same ports, routes kept): the page reconnects by itself and works again.
    await server.closeAll()
    await p.waitForFunction(
      () => (globalThis as unknown as G).t.events.some((e) => e.startsWith('disconnect:')),
      undefined,
      {
        timeout: 5000,
      },
    )
    await server.start()
    await p.waitForFunction(
      () => (globalThis as unknown as G).t.events.filter((e) => e === 'connect').length === 2,
      undefined,
      {
        timeout: 10_000,
      },
    )
    const again = await p.evaluate(async () => {
      const { t, veltix } = globalThis as unknown as G
      const r = await t.client.sendAndWait(new veltix.Request(t.ECHO, 'back'), { timeout: 5000 })
      return { text: r?.text(), reconnects: t.client.stats().reconnects }
    })
    expect(again).toEqual({ text: 'back', reconnects: 1 })
    const pending = await p.evaluate(async () => {
      const { t } = globalThis as unknown as G
      await t.client.disconnect()
      return t.client.stats().pendingRequests
    })
    expect(pending).toBe(0)
  }, 60_000)
})
