import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url))

function run(
  args: string[],
  until?: RegExp,
): {
  done: Promise<{ code: number | null; out: string }>
  out: () => string
  kill: () => void
  match: Promise<RegExpMatchArray>
} {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, NO_COLOR: '1' } })
  let out = ''
  let resolveMatch: (m: RegExpMatchArray) => void = () => {}
  const match = new Promise<RegExpMatchArray>((r) => {
    resolveMatch = r
  })
  const onData = (d: Buffer) => {
    out += d.toString()
    const m = until && out.match(until)
    if (m) resolveMatch(m)
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const done = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, out })
    }),
  )
  return { done, out: () => out, kill: () => child.kill('SIGTERM'), match }
}

describe('echo demo, end to end', () => {
  it('echoes each line with sendAndWait, shows the RTT, pings, and exits 0', async () => {
    const { code, out } = await run(['--count', '3']).done
    expect(code).toBe(0)
    for (let i = 1; i <= 3; i++) expect(out).toMatch(new RegExp(`#${i}: "hello #${i}" in \\d+\\.\\d{3} ms`))
    expect(out).toMatch(/ping: \d+\.\d{3} ms/)
  }, 20_000)

  it('runs server and client as separate processes, with a payload size', async () => {
    const server = run(['--server-only'], /listening on 127\.0\.0\.1:(\d+)/)
    const port = (await server.match)[1]!
    const client = await run(['--client-only', '--port', port, '--count', '2', '--size', '70000']).done
    expect(client.code).toBe(0)
    expect(client.out).toMatch(/#2: 70000 bytes in \d+\.\d{3} ms/)
    server.kill()
    expect((await server.done).code).toBe(0)
  }, 20_000)

  it('reports an unreachable server clearly and exits non-zero', async () => {
    const { code, out } = await run(['--client-only', '--port', '1']).done
    expect(code).toBe(1)
    expect(out).toContain('cannot reach 127.0.0.1:1')
  }, 20_000)
})
