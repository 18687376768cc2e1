// Entry point of a soak child process (forked by `runSoak`): the server, or a share of the clients.
import { Client, Events, MessageType, noopLogger, Request, type Response, Server } from 'veltix'

const NUM = new MessageType(200, 'soak')
const RSS_SAMPLE_MS = 200

export interface SoakServerArgs {
  role: 'server'
  resume: boolean
}
export interface SoakClientsArgs {
  role: 'clients'
  port: number
  /** Id of this child's first client; its clients are first … first + count − 1. */
  first: number
  count: number
  intervalMs: number
  seconds: number
  resume: boolean
}

export interface SoakServerReport {
  delivered: number
  duplicated: number
  reordered: number
  rssHighWater: number
  droppedFrames: Record<string, number>
  messagesIn: number
}
export interface SoakClientsReport {
  sent: number
  refused: number
  reconnects: number
  sendQueueFull: number
  messagesOut: number
}

type Msg =
  | { op: 'start'; args: SoakServerArgs | SoakClientsArgs }
  | { op: 'run' }
  | { op: 'report' }
  | { op: 'stop' }

const reply = (m: unknown): void => {
  process.send?.(m)
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

let server: Server | undefined
let clients: Client[] = []
let report: () => unknown = () => ({})
let run: () => Promise<void> = async () => {}

async function startServer(a: SoakServerArgs): Promise<number> {
  const s = new Server({
    host: '127.0.0.1',
    port: 0,
    maxConnection: 10_000,
    logger: noopLogger,
    ...(a.resume ? { resume: { windowMs: 30_000, maxBufferedBytes: 1 << 20 } } : {}),
  } as ConstructorParameters<typeof Server>[0])
  server = s
  // per client: the numbers seen (a bitmap grown on demand) and the highest so far
  const seen = new Map<number, { bits: Uint8Array; max: number }>()
  let delivered = 0
  let duplicated = 0
  let reordered = 0
  s.setCallback(Events.ON_RECV, (_c: unknown, r: Response) => {
    const text = r.text()
    const colon = text.indexOf(':')
    const id = Number(text.slice(0, colon))
    const n = Number(text.slice(colon + 1))
    let e = seen.get(id)
    if (e === undefined) {
      e = { bits: new Uint8Array(1024), max: -1 }
      seen.set(id, e)
    }
    if (n >> 3 >= e.bits.length) {
      const grown = new Uint8Array(Math.max(e.bits.length * 2, (n >> 3) + 1))
      grown.set(e.bits)
      e.bits = grown
    }
    const bit = 1 << (n & 7)
    if ((e.bits[n >> 3]! & bit) !== 0) {
      duplicated++
      return
    }
    e.bits[n >> 3]! |= bit
    delivered++
    if (n < e.max) reordered++
    else e.max = n
  })
  let rssHighWater = process.memoryUsage.rss()
  const timer = setInterval(() => {
    rssHighWater = Math.max(rssHighWater, process.memoryUsage.rss())
  }, RSS_SAMPLE_MS)
  timer.unref()
  await s.start()
  report = (): SoakServerReport => {
    const st = s.stats()
    return {
      delivered,
      duplicated,
      reordered,
      rssHighWater,
      droppedFrames: st.droppedFrames,
      messagesIn: st.messagesIn,
    }
  }
  return s.port
}

async function connectClients(a: SoakClientsArgs): Promise<void> {
  clients = Array.from(
    { length: a.count },
    () =>
      new Client({
        serverAddr: '127.0.0.1',
        port: a.port,
        retry: -1,
        retryDelay: 50,
        backoff: { maxDelay: 500 },
        heartbeat: { interval: 1000, timeout: 1000 },
        logger: noopLogger,
        ...(a.resume ? { resume: true } : {}),
      } as ConstructorParameters<typeof Client>[0]),
  )
  for (const c of clients) await c.connect()
  run = () => sendNumbered(a)
}

async function sendNumbered(a: SoakClientsArgs): Promise<void> {
  let sent = 0
  let refused = 0
  const next = new Array<number>(a.count).fill(0)
  const end = Date.now() + a.seconds * 1000
  // every tick each client sends its next number; a refusal (not connected, queue full) is not "sent"
  while (Date.now() < end) {
    for (let i = 0; i < a.count; i++) {
      const id = a.first + i
      if (clients[i]!.send(new Request(NUM, `${id}:${next[i]}`))) {
        sent++
        next[i]!++
      } else refused++
    }
    await sleep(a.intervalMs)
  }
  report = (): SoakClientsReport => {
    let reconnects = 0
    let sendQueueFull = 0
    let messagesOut = 0
    for (const c of clients) {
      const st = c.stats()
      reconnects += st.reconnects
      sendQueueFull += st.sendQueueFull
      messagesOut += st.messagesOut
    }
    return { sent, refused, reconnects, sendQueueFull, messagesOut }
  }
}

process.on('message', (m: Msg) => {
  if (m.op === 'start') {
    const a = m.args
    answer(a.role === 'server' ? startServer(a) : connectClients(a).then(() => 0))
  } else if (m.op === 'run') answer(run().then(() => 0))
  else if (m.op === 'report') reply({ ok: true, report: report() })
  else void stop()
})
process.on('disconnect', () => void stop())

function answer(p: Promise<number>): void {
  p.then(
    (port) => reply({ ok: true, port }),
    (e: Error & { code?: string }) =>
      reply({ ok: false, error: { name: e.name, code: e.code, message: e.message } }),
  )
}

async function stop(): Promise<void> {
  const t = setTimeout(() => process.exit(0), 3000)
  t.unref()
  await Promise.all(clients.map((c) => c.disconnect().catch(() => {})))
  await server?.closeAll().catch(() => {})
  process.exit(0)
}

reply({ ready: true })
