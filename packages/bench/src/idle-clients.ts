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
    const fail = (err: Error): void => reject(err)
    // Closed before it was ready (e.g. the server's handshake timeout): a failure, never a hang.
    const closed = (): void => reject(new Error('the connection closed before it was ready'))
    socket.once('error', fail)
    socket.once('close', closed)
    const ready = (): void => {
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

/** Opens `count` connections, `concurrency` at a time; rejects on the first failure (after closing those opened). */
export async function openIdleConnections(
  args: IdleOpenArgs,
  progress: (fraction: number) => void,
): Promise<net.Socket[]> {
  const out: net.Socket[] = []
  let next = 0
  let failure: unknown
  const worker = async (): Promise<void> => {
    while (next < args.count && failure === undefined) {
      next++
      try {
        out.push(await openOne(args))
      } catch (err) {
        failure ??= err
      }
      if ((out.length & 255) === 0) progress(out.length / args.count)
    }
  }
  await Promise.all(Array.from({ length: Math.min(args.concurrency, args.count) }, worker))
  if (failure !== undefined) {
    for (const s of out) s.destroy()
    throw failure
  }
  return out
}
