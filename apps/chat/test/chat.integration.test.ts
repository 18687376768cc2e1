import { afterEach, describe, expect, it } from 'vitest'
import { Proc } from './harness.js'

const procs: Proc[] = []
const run = (...args: string[]) => {
  const p = new Proc(args)
  procs.push(p)
  return p
}
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')))
})

async function startServer(port = '0'): Promise<{ server: Proc; port: string }> {
  const server = run('--server-only', '--port', port)
  const m = await server.waitFor(/chat server on 127\.0\.0\.1:(\d+)/)
  return { server, port: m[1]! }
}
async function join(port: string, nick: string, room = 'lobby'): Promise<Proc> {
  const p = run('--join', '--port', port, '--nick', nick, '--room', room)
  await p.waitFor(`joined #${room}`)
  return p
}

describe('chat demo, end to end (server + clients as child processes)', () => {
  it('delivers a room message, keeps private messages private, lists members, replays history', async () => {
    const { port } = await startServer()
    const alice = await join(port, 'alice')
    const bob = await join(port, 'bob')
    const carol = await join(port, 'carol', 'elsewhere')

    alice.type('hello room')
    await bob.waitFor('<alice> hello room')

    alice.type('/msg bob psst secret')
    await bob.waitFor('[pm from alice] psst secret')
    await alice.waitFor('-> bob: psst secret')

    bob.type('/who')
    const who = await bob.waitFor(/in #lobby: (.*)/)
    expect(who[1]!.split(', ').sort()).toEqual(['alice', 'bob'])

    const dave = await join(port, 'dave')
    await dave.waitFor('<alice> hello room') // history replayed to the newcomer

    alice.type('/nosuch')
    await alice.waitFor('unknown command /nosuch')
    alice.type('x'.repeat(600))
    await alice.waitFor('line too long')

    // The private message and the lobby message reached nobody else.
    expect(carol.out).not.toContain('psst secret')
    expect(carol.out).not.toContain('hello room')
    expect(dave.out).not.toContain('psst secret')

    alice.type('/quit')
    expect(await alice.exited).toBe(0)
    await bob.waitFor('alice left #lobby')
  }, 30_000)

  it('hosts and chats in one process; piped lines wait for the join; ends by itself when input ends', async () => {
    const { server, port } = await startServer()
    const solo = run('--port', '0', '--nick', 'solo')
    solo.type('first words')
    solo.type('/who')
    solo.child.stdin.end() // as `pnpm demo` in CI: no terminal, input over at once
    expect(await solo.exited).toBe(0)
    expect(solo.out).toMatch(/<solo> first words/)
    expect(solo.out).toContain('in #lobby: solo')
    expect(solo.out).toContain('bye')
    expect(solo.out).not.toContain('no answer from the server')
    // A port given explicitly and busy is an error, not a silent move to another port.
    const clash = run('--server-only', '--port', port)
    expect(await clash.exited).toBe(1)
    expect(clash.out).toContain('EADDRINUSE')
    await server.stop()
  }, 30_000)

  it('reconnects to a killed and restarted server', async () => {
    const first = await startServer()
    const alice = await join(first.port, 'alice')
    await first.server.stop('SIGKILL')
    await alice.waitFor('lost the server')
    const mark = alice.out.length
    await startServer(first.port)
    await alice.waitFor('connection regained', 15_000, mark)
    await alice.waitFor('joined #lobby', 5000, mark)
    alice.type('/who')
    await alice.waitFor('in #lobby: alice', 5000, mark)
  }, 30_000)
})
