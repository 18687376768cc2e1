// A short soak (a few seconds, few clients, forked processes, loopback): the faults happen, every number is
// accounted for, and without resume the loss the stats show (client messagesOut − server messagesIn) is
// exactly the loss the numbers show. With --resume: exactly once, or a clear error while it is unavailable.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parseCliArgs } from '../src/options.js'
import { DEFAULT_SOAK, ResumeUnavailableError, renderSoak, runSoak, type SoakOptions } from '../src/soak.js'

const run = promisify(execFile)
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const small: SoakOptions = {
  ...DEFAULT_SOAK,
  seconds: 3,
  clients: 12,
  processes: 2,
  intervalMs: 50,
  faultsPerSecond: 15,
  settleMs: 2500,
}

describe('soak', () => {
  it('counts every numbered message end to end under random faults (no resume)', async () => {
    const s = await runSoak(small)
    expect(Object.values(s.faults).reduce((a, v) => a + v, 0)).toBeGreaterThan(20)
    expect(s.sent).toBeGreaterThan(200)
    expect(s.duplicated).toBe(0)
    expect(s.reordered).toBe(0)
    expect(s.delivered + s.lost).toBe(s.sent)
    // none silent: what the numbers say was lost is what the stats say was lost
    expect(s.statsGap).toBe(s.lost)
    expect(s.countedLoss).toBeLessThanOrEqual(s.lost)
    expect(s.rssHighWater).toBeGreaterThan(0)
    expect(renderSoak(s)).toContain(`| delivered (once each) | ${s.delivered} |`)
  })

  it('--resume: exactly once, or a clear error while resume is unavailable', async () => {
    let s: Awaited<ReturnType<typeof runSoak>> | undefined
    try {
      s = await runSoak({ ...small, resume: true })
    } catch (e) {
      expect(e).toBeInstanceOf(ResumeUnavailableError)
      expect((e as Error).message).toMatch(/unavailable/)
      const out = await run(process.execPath, [CLI, '--soak', '1', '--soak-clients', '2', '--resume']).catch(
        (x: { code: number; stderr: string }) => x,
      )
      expect((out as { code: number }).code).toBe(2)
      expect((out as { stderr: string }).stderr).toContain('ResumeUnavailableError')
      return
    }
    expect(s.duplicated).toBe(0)
    expect(s.reordered).toBe(0)
    expect(s.lost).toBe(0)
    expect(s.delivered).toBe(s.sent)
  })

  it('parses --soak, --soak-clients, --resume and refuses bad values', () => {
    const o = parseCliArgs(['--soak', '60', '--soak-clients', '50', '--resume']).soak
    expect(o).toMatchObject({ seconds: 60, clients: 50, resume: true })
    expect(parseCliArgs(['--soak', '5']).soak).toMatchObject({ clients: 200, resume: false })
    expect(parseCliArgs([]).soak).toBeUndefined()
    expect(() => parseCliArgs(['--soak', '0'])).toThrow(/--soak/)
    expect(() => parseCliArgs(['--soak', '5', '--soak-clients', 'x'])).toThrow(/--soak-clients/)
  })
})
