import * as net from 'node:net'
import { FrameDecoder, HEADER_SIZE, writeFrame } from './codec.js'
import { CODE_PING, CODE_PONG } from './constants.js'

// The load generator of the `scale` workload: many idle connections, as cheap as a client can be so that a
// few processes hold tens of thousands. Each is a bare socket bound to a chosen 127.0.0.x source address
// (every source address has its own ~28,000 ephemeral ports), that answers the Veltix server's HELLO with
// HELLO_ACK (the handshake of the wire spec, version "1.6.3", no capabilities) and its PINGs with PONG.
// The server under test is the real one; only the clients are minimal, and they are not measured.

const CODE_HELLO = 10
const CODE_HELLO_ACK = 11
const VERSION = Buffer.concat([Buffer.from([0, 5]), Buffer.from('1.6.3', 'latin1')])
const EMPTY = new Uint8Array(0)
/** How long one connection may take to become ready (connected, and for Veltix its HELLO answered). */
export const IDLE_READY_TIMEOUT_MS = 30_000

export interface IdleOpenArgs {
  port: number
  count: number
  /** Source address to bind (127.0.0.x). */
  localAddress: string
  /** Answer the server's HELLO (a Veltix server); otherwise a connection is done when it connects. */
  handshake: boolean
  concurrency: number
}

function reply(socket: net.Socket, code: number, requestId: number, payload: Uint8Array): void {
  const frame = Buffer.allocUnsafe(HEADER_SIZE + payload.length)
  writeFrame(frame, 0, code, requestId, payload, Date.now())
  socket.write(frame)
}

function openOne(args: IdleOpenArgs): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: args.port, localAddress: args.localAddress })
    // Closed, or no HELLO, before it was ready: a failure (the socket is destroyed), never a hang.
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`not ready within ${IDLE_READY_TIMEOUT_MS} ms (no HELLO from the server)`))
    }, IDLE_READY_TIMEOUT_MS)
    const fail = (err: Error): void => {
      clearTimeout(timer)
      reject(err)
    }
    const closed = (): void => fail(new Error('the connection closed before it was ready'))
    socket.once('error', fail)
    socket.once('close', closed)
    const ready = (): void => {
      clearTimeout(timer)
      socket.off('error', fail)
      socket.off('close', closed)
      socket.on('error', () => {}) // a reset once idle shows as a missing connection on the server
      resolve(socket)
    }
    if (!args.handshake) {
      socket.once('connect', ready)
      return
    }
    const decoder = new FrameDecoder({
      onFrame: (f) => {
        if (f.code === CODE_HELLO) {
          reply(socket, CODE_HELLO_ACK, f.requestId, VERSION)
          ready()
        } else if (f.code === CODE_PING) reply(socket, CODE_PONG, f.requestId, EMPTY)
      },
    })
    socket.on('data', (chunk: Buffer) => {
      if (!decoder.push(chunk)) socket.destroy(decoder.error)
    })
  })
}

/**
 * Runs `open` `count` times, `concurrency` at a time (connects in flight stay under the listen backlog);
 * stops starting new ones after the first failure. Returns what opened and that failure, if any.
 */
export async function openConcurrently<T>(
  count: number,
  concurrency: number,
  open: () => Promise<T>,
  progress: (fraction: number) => void,
): Promise<{ opened: T[]; failure: unknown }> {
  const opened: T[] = []
  let next = 0
  let failure: unknown
  const worker = async (): Promise<void> => {
    while (next < count && failure === undefined) {
      next++
      try {
        opened.push(await open())
      } catch (err) {
        failure ??= err
      }
      if ((opened.length & 63) === 0) progress(opened.length / count)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return { opened, failure }
}

/**
 * Opens `count` idle connections, `concurrency` at a time. A connection that fails (refused, closed early, no
 * HELLO in time) is counted, not fatal: the scale workload reports how many the server holds.
 */
export async function openIdleConnections(
  args: IdleOpenArgs,
  progress: (fraction: number) => void,
): Promise<{ sockets: net.Socket[]; failed: number; firstError: string | undefined }> {
  let failed = 0
  let firstError: string | undefined
  const { opened } = await openConcurrently(
    args.count,
    args.concurrency,
    () =>
      openOne(args).catch((err: Error) => {
        failed++
        firstError ??= err.message
        return undefined
      }),
    progress,
  )
  return { sockets: opened.filter((s) => s !== undefined), failed, firstError }
}
