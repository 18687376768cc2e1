import * as net from 'node:net'
import { DEFAULT_CONNECT_TIMEOUT } from './constants.js'
import { createRuntime } from './core.js'
import { AbortError, ConnectError } from './errors.js'
import { resolveOptions } from './options.js'
import type { ClientTransportInit, Connection } from './types.js'

let nextClientId = 1

/**
 * Opens a TCP connection. Resolves once connected (the connection does not read until `setHandler`);
 * rejects with `ConnectError` (`code`: the errno, or `ETIMEDOUT` after `connectTimeout`) or `AbortError`.
 */
export async function connect(init: ClientTransportInit): Promise<Connection> {
  const opts = resolveOptions(init)
  const { host, port, signal } = init
  if (signal?.aborted) throw new AbortError('connect aborted', { cause: signal.reason })
  const runtime = await createRuntime(init, opts)
  return new Promise<Connection>((resolve, reject) => {
    if (signal?.aborted) {
      void runtime.release()
      reject(new AbortError('connect aborted', { cause: signal.reason }))
      return
    }
    // highWaterMark is accepted by net.Socket at runtime (Node >= 18.17) but missing from @types/node 20.
    const socket = net.connect({
      host,
      port,
      allowHalfOpen: true,
      highWaterMark: opts.bufferSize,
    } as net.NetConnectOpts)
    // Paused before connecting: Node then does not start reading; `setHandler` starts it.
    socket.pause()
    const timer = setTimeout(
      () => fail(new ConnectError(host, port, 'ETIMEDOUT')),
      init.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT,
    )
    const onAbort = (): void => fail(new AbortError('connect aborted', { cause: signal?.reason }))
    const onError = (err: NodeJS.ErrnoException): void =>
      fail(new ConnectError(host, port, err.code ?? 'ERROR', { cause: err }))
    const cleanup = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      socket.off('error', onError)
      socket.off('connect', onConnect)
    }
    const fail = (error: Error): void => {
      cleanup()
      socket.on('error', () => {})
      socket.destroy()
      void runtime.release()
      reject(error)
    }
    const onConnect = (): void => {
      cleanup()
      const conn = runtime.createConnection(nextClientId++, socket)
      conn.onFinished = () => void runtime.release()
      resolve(conn)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('error', onError)
    socket.once('connect', onConnect)
  })
}
