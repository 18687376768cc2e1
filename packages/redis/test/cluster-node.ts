import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Client, Events, MessageType, Request } from 'veltix'

const FIXTURE = fileURLToPath(new URL('./fixtures/cluster-node.mjs', import.meta.url))

/** Message types of the fixture application. */
export const CHAT = new MessageType(200, 'chat')
export const JOIN = new MessageType(201, 'join')
export const ASK = new MessageType(202, 'ask')
export const WELCOME = new MessageType(203, 'welcome')
export const ECHO = new MessageType(204, 'echo')

export interface NodeOptions {
  url: string
  name: string
  nodeTimeout?: number
  commandTimeout?: number
  requestTimeout?: number
}

/** A server node in a child process (`fixtures/cluster-node.mjs`), driven over IPC. */
export class ClusterNode {
  readonly child: ChildProcess
  port = 0
  nodeId = ''
  out = ''
  /** Server-to-server messages it received: `text from nodeId`. */
  readonly messages: string[] = []
  readonly exited: Promise<void>
  #seq = 0
  readonly #calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()

  private constructor(options: NodeOptions) {
    this.child = fork(FIXTURE, [JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.out += d
    })
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.out += d
    })
    this.child.on(
      'message',
      (m: {
        id?: number
        ok?: boolean
        result?: unknown
        error?: ErrorShape
        event?: string
        text?: string
        from?: string
      }) => {
        if (m.event === 'message') this.messages.push(`${m.text} from ${m.from}`)
        if (m.id === undefined) return
        const call = this.#calls.get(m.id)
        this.#calls.delete(m.id)
        if (m.ok) call?.resolve(m.result)
        else
          call?.reject(
            Object.assign(new Error(m.error!.message), { name: m.error!.name, code: m.error!.code }),
          )
      },
    )
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()))
    this.exited.then(() => {
      for (const c of this.#calls.values()) c.reject(new Error(`node exited:\n${this.out}`))
      this.#calls.clear()
    })
  }

  static async start(options: NodeOptions): Promise<ClusterNode> {
    const n = new ClusterNode(options)
    const ready = await n.call<{ port: number; nodeId: string }>('ready')
    n.port = ready.port
    n.nodeId = ready.nodeId
    return n
  }

  /** Runs `op` in the node; resolves its result, rejects with the node's error (name and code kept). */
  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.#seq
    return new Promise<T>((resolve, reject) => {
      this.#calls.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.child.send({ id, op, ...args })
    })
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** Ends the node: a clean `closeAll()`, or a kill signal. */
  async stop(signal?: NodeJS.Signals): Promise<void> {
    if (!this.alive) return
    if (signal === undefined) {
      await this.call('close').catch(() => {})
    } else {
      if (signal === 'SIGKILL') this.child.kill('SIGCONT') // a stopped process would not die before it runs
      this.child.kill(signal)
    }
    const timer = setTimeout(() => this.alive && this.child.kill('SIGKILL'), 3000)
    await this.exited
    clearTimeout(timer)
  }
}

interface ErrorShape {
  name: string
  message: string
  code?: string
}

/** A client of a node that records what it receives and learns its cluster-wide id from the WELCOME. */
export class TestClient {
  readonly client: Client
  readonly received: string[] = []
  id = ''
  /** ms the client waits before answering an ASK (0 = at once, -1 = never). */
  answerDelay = 0
  readonly #timers = new Set<NodeJS.Timeout>()

  constructor(port: number) {
    this.client = new Client({ serverAddr: '127.0.0.1', port, retry: 0 })
    this.client.setCallback(Events.ON_RECV, (r) => {
      if (r.type.code === WELCOME.code) this.id = r.text()
      else this.received.push(r.text())
    })
    this.client.route(ASK, (r) => {
      if (this.answerDelay < 0) return
      const answer = () =>
        this.client.getSender().send(new Request(ASK, `re: ${r.text()}`, { requestId: r.id }))
      if (this.answerDelay === 0) answer()
      else {
        const t = setTimeout(() => {
          this.#timers.delete(t)
          answer()
        }, this.answerDelay)
        this.#timers.add(t)
      }
    })
  }

  static async connect(node: ClusterNode, room?: string): Promise<TestClient> {
    const c = new TestClient(node.port)
    if (!(await c.client.connect())) throw new Error(`could not connect to node ${node.nodeId}`)
    await until(() => c.id !== '')
    if (room !== undefined) {
      c.client.getSender().send(new Request(JOIN, room))
      await until(async () => {
        const clients = await node.call<{ id: string; tags: Record<string, unknown> }[]>('localClients')
        return clients.some((x) => x.id === c.id && x.tags.room === room)
      })
    }
    return c
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
    await this.client.disconnect()
  }
}

/** Polls `fn` until it is truthy; fails after `ms`. */
export async function until(fn: () => unknown, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await fn()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
