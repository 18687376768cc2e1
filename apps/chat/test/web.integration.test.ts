// `--web PORT`: a browser user (real headless Chromium) chats with a terminal user in the same room.
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { chromiumOrSkip } from '../../../packages/veltix/test/browser/find-chromium.js'
import { Proc } from './harness.js'

const executablePath = chromiumOrSkip("the chat's web test")

describe.skipIf(executablePath === undefined)('chat --web: the page in Chromium and the terminal', () => {
  let browser: Browser
  const procs: Proc[] = []
  const pages: Page[] = []
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: executablePath! })
  }, 60_000)
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((p) => p.close()))
    await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')))
  })
  afterAll(async () => {
    await browser?.close()
  })
  const run = (...args: string[]) => {
    const p = new Proc(args)
    procs.push(p)
    return p
  }
  const log = (page: Page) => page.locator('#log')

  it('same rooms, same commands: room messages both ways, /who, /msg both ways, /ping', async () => {
    const server = run('--server-only', '--port', '0', '--web', '0')
    const port = (await server.waitFor(/chat server on 127\.0\.0\.1:(\d+)/))[1]!
    const web = (await server.waitFor(/web chat on (http:\/\/\S+)/))[1]!
    const alice = run('--join', '--port', port, '--nick', 'alice')
    await alice.waitFor('joined #lobby')

    const page = await browser.newPage({ viewport: { width: 900, height: 520 } })
    pages.push(page)
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto(`${web}?nick=webby`)
    await expect.poll(() => log(page).textContent(), { timeout: 10_000 }).toContain('joined #lobby')
    await alice.waitFor('webby joined #lobby')

    const type = async (line: string) => {
      await page.locator('#line').fill(line)
      await page.locator('#line').press('Enter')
    }
    await type('hello from the browser')
    await alice.waitFor('<webby> hello from the browser')
    alice.type('hi web')
    await expect.poll(() => log(page).textContent(), { timeout: 5000 }).toContain('<alice> hi web')

    await type('/who')
    await expect
      .poll(() => log(page).textContent(), { timeout: 5000 })
      .toMatch(/in #lobby: (alice, webby|webby, alice)/)
    await type('/msg alice psst')
    await alice.waitFor('[pm from webby] psst')
    alice.type('/msg webby hi back')
    await expect.poll(() => log(page).textContent(), { timeout: 5000 }).toContain('[pm from alice] hi back')
    await type('/nosuch')
    await expect.poll(() => log(page).textContent(), { timeout: 5000 }).toContain('unknown command /nosuch')
    await type('/ping')
    await expect.poll(() => log(page).textContent(), { timeout: 5000 }).toMatch(/pong in \d+\.\d{3} ms/)
    expect(errors).toEqual([])

    // For the README: VELTIX_CHAT_SCREENSHOT=docs/web-chat.png pnpm --filter veltix-chat test
    const shot = process.env.VELTIX_CHAT_SCREENSHOT
    if (shot !== undefined && shot !== '') await page.screenshot({ path: shot })
  }, 60_000)
})
