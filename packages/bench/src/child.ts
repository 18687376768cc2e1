// Entry point of a benchmark child process (forked by the harness): runs agent methods on request.
import { type AgentMethod, createAgent } from './agent.js'

const PROGRESS_INTERVAL_MS = 100
const SHUTDOWN_TIMEOUT_MS = 3_000

let lastProgress = 0
const agent = createAgent((value) => {
  const now = Date.now()
  if (now - lastProgress < PROGRESS_INTERVAL_MS) return
  lastProgress = now
  process.send?.({ type: 'progress', value })
})

process.on(
  'message',
  (msg: { type: 'call'; id: number; method: AgentMethod; args: unknown } | { type: 'exit' }) => {
    if (msg.type === 'exit') {
      void shutdown()
      return
    }
    const fn = agent[msg.method] as ((a: unknown) => Promise<unknown>) | undefined
    if (typeof fn !== 'function') {
      process.send?.({
        type: 'result',
        id: msg.id,
        ok: false,
        error: { name: 'TypeError', message: `unknown agent method ${msg.method}` },
      })
      return
    }
    fn(msg.args).then(
      (result) => process.send?.({ type: 'result', id: msg.id, ok: true, result }),
      (err: Error) =>
        process.send?.({
          type: 'result',
          id: msg.id,
          ok: false,
          error: { name: err?.name ?? 'Error', message: err?.message ?? String(err), stack: err?.stack },
        }),
    )
  },
)

// The parent going away (crash, Ctrl-C) must not leave this process behind.
process.on('disconnect', () => void shutdown())

let shuttingDown = false
async function shutdown(): Promise<void> {
  if (shuttingDown) return
  shuttingDown = true
  try {
    const cleanup = Promise.all([agent.clientsClose(), agent.serverStop()])
    await Promise.race([cleanup, new Promise((r) => setTimeout(r, SHUTDOWN_TIMEOUT_MS).unref())])
  } finally {
    // process.exit (not a natural end): a library that leaves a handle open must not hang the run. A CPU
    // profile, when asked for, is still written on this path.
    process.exit(0)
  }
}

process.send?.({ type: 'ready' })
