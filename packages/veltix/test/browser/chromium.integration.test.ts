// veltix/browser in a real headless Chromium (the system's, driven by playwright-core): a page served from
// loopback loads the built module and talks to a Veltix server over its WebSocket listener.
import * as node from '@veltix/codec'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers.js'
import { chromiumOrSkip } from './find-chromium.js'
import { buildBrowserModule, servePage } from './page-harness.js'
import { WsSessionServer } from './ws-session-server.js'

const executablePath = chromiumOrSkip('the veltix/browser Chromium tests')

type Veltix = typeof import('../../src/browser/index.js')
/** The page's globals (the tests run in the page through `page.evaluate`; no DOM types here). */
interface G {
  veltix: Veltix
  veltixReady?: boolean
  t: {
    client: InstanceType<Veltix['Client']>
    CHAT: InstanceType<Veltix['MessageType']>
    got: string[]
    events: string[]
  }
}

describe.skipIf(executablePath === undefined)('veltix/browser in headless Chromium', () => {
  let moduleText = ''
  let site: Awaited<ReturnType<typeof servePage>>
  let browser: Browser
  let page: Page
  const servers: WsSessionServer[] = []

  beforeAll(async () => {
    moduleText = await buildBrowserModule()
    site = await servePage(moduleText)
    browser = await chromium.launch({ executablePath: executablePath! })
  }, 60_000)
  afterEach(async () => {
    await page?.evaluate(async () => (globalThis as unknown as G).t?.client?.disconnect()).catch(() => {})
    await page?.close()
    await Promise.all(servers.splice(0).map((s) => s.close()))
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
    expect(moduleText).not.toMatch(/^\s*import[\s{*]/m)
    expect(moduleText).not.toMatch(/\bfrom\s*['"]/)
    expect(moduleText).not.toMatch(/node:|\brequire\(|\bBuffer\b|\bprocess\./)
    expect(moduleText).toMatch(/export\s*{/)
  })

  it('connects, sends, gets a pushed message, sendAndWait, ping, and reconnects after the server restarts', async () => {
    let server = await new WsSessionServer().start()
    servers.push(server)
    const port = server.port
    const seen: string[] = []
    server.onMessage = (res, session) => {
      seen.push(res.text())
      if (res.text().startsWith('echo:'))
        session.send(new node.Request(res.type, res.content, { requestId: res.id }))
    }
    const p = await openPage()

    const connected = await p.evaluate(async (url) => {
      const g = globalThis as unknown as G
      const { Client, Events, MessageType } = g.veltix
      const client = new Client({ url, retry: 100, retryDelay: 50 })
      const t = { client, CHAT: new MessageType(200, 'chat'), got: [] as string[], events: [] as string[] }
      g.t = t
      client.setCallback(Events.ON_RECV, (r) => t.got.push(r.text()))
      client.onConnect(() => t.events.push('connect'))
      client.onDisconnect((s) => t.events.push(`disconnect:${s.reason}:${s.permanent}`))
      return client.connect()
    }, server.url)
    expect(connected).toBe(true)

    // send
    await p.evaluate(() => {
      const { t, veltix } = globalThis as unknown as G
      return t.client.getSender().send(new veltix.Request(t.CHAT, 'hello from chromium'))
    })
    await waitFor(() => seen.includes('hello from chromium'), 5000, 'the page message at the server')

    // a message pushed by the server
    server.broadcast(new node.Request(new node.MessageType(200, 'chat'), 'pushed to the page'))
    await p.waitForFunction(
      () => (globalThis as unknown as G).t.got.includes('pushed to the page'),
      undefined,
      { timeout: 5000 },
    )

    // sendAndWait and ping
    const reply = await p.evaluate(async () => {
      const { t, veltix } = globalThis as unknown as G
      const r = await t.client.sendAndWait(new veltix.Request(t.CHAT, 'echo:ü'), { timeout: 5000 })
      return { text: r?.text(), latency: r?.latency }
    })
    expect(reply.text).toBe('echo:ü')
    expect(reply.latency).toBeGreaterThan(0)
    const rtt = await p.evaluate(() => (globalThis as unknown as G).t.client.pingServer({ timeout: 5000 }))
    expect(rtt).toBeGreaterThan(0)

    // the server restarts on the same port: the page reconnects by itself and works again
    await server.close()
    await p.waitForFunction(
      () => (globalThis as unknown as G).t.events.some((e) => e.startsWith('disconnect:')),
      undefined,
      {
        timeout: 5000,
      },
    )
    server = await new WsSessionServer().start(port)
    servers.push(server)
    server.onMessage = (res, session) =>
      session.send(new node.Request(res.type, res.content, { requestId: res.id }))
    await p.waitForFunction(
      () => (globalThis as unknown as G).t.events.filter((e) => e === 'connect').length === 2,
      undefined,
      {
        timeout: 10_000,
      },
    )
    const again = await p.evaluate(async () => {
      const { t, veltix } = globalThis as unknown as G
      const r = await t.client.sendAndWait(new veltix.Request(t.CHAT, 'back'), { timeout: 5000 })
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
