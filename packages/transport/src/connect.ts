import * as net from 'node:net'
import * as tls from 'node:tls'
import type { Connection } from './connection.js'
import { DEFAULT_CONNECT_TIMEOUT } from './constants.js'
import { createRuntime } from './core.js'
import { AbortError, ConnectError, TlsError } from './errors.js'
import { loopRuntime } from './loop/loop-runtime.js'
import { resolveOptions } from './options.js'
import { releaseNothing } from './runtime.js'
import type { ClientTransportInit } from './types.js'

let nextClientId = 1

/**
 * Opens a TCP connection (TLS with `tls`). Resolves once connected — for TLS, once the handshake is done
 * and the server's certificate verified (the connection does not read until `setHandler`); rejects with
 * `ConnectError` (`code`: the errno, or `ETIMEDOUT` after `connectTimeout`), `TlsError` (a `ConnectError`:
 * the handshake or the certificate check failed, `code` from node:tls) or `AbortError`.
 */
export async function connect(init: ClientTransportInit): Promise<Connection> {
  const opts = resolveOptions(init)
  const { host, port, signal } = init
  if (signal?.aborted) throw new AbortError('connect aborted', { cause: signal.reason })
  let runtime = await createRuntime(init, opts)
  return new Promise<Connection>((resolve, reject) => {
    if (signal?.aborted) {
      void runtime.release()
      reject(new AbortError('connect aborted', { cause: signal.reason }))
      return
    }
    // highWaterMark is accepted by net.Socket at runtime (Node >= 18.17) but missing from @types/node 20.
    const base = { host, port, allowHalfOpen: true, highWaterMark: opts.bufferSize }
    const tlsInit = init.tls
    const socket =
      tlsInit === undefined
        ? net.connect(base as net.NetConnectOpts)
        : tls.connect({ ...tlsInit, ...base } as tls.ConnectionOptions)
    // Paused before connecting: Node then does not start reading; `setHandler` starts it. (A TLS handshake
    // still runs: it does not depend on the stream flowing.)
    socket.pause()
    let tcpConnected = false
    const onTcpConnect = (): void => {
      tcpConnected = true
    }
    const timer = setTimeout(
      () =>
        fail(new (tlsInit !== undefined && tcpConnected ? TlsError : ConnectError)(host, port, 'ETIMEDOUT')),
      init.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT,
    )
    const onAbort = (): void => fail(new AbortError('connect aborted', { cause: signal?.reason }))
    const onError = (err: NodeJS.ErrnoException): void => {
      const code = err.code ?? 'ERROR'
      // Reached the server, failed before the handshake completed: a TLS failure.
      const Err = tlsInit !== undefined && tcpConnected ? TlsError : ConnectError
      fail(new Err(host, port, code, { cause: err }))
    }
    const readyEvent = tlsInit === undefined ? 'connect' : 'secureConnect'
    const cleanup = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      socket.off('error', onError)
      socket.off(readyEvent, onConnect)
      socket.off('connect', onTcpConnect)
    }
    let settled = false
    const fail = (error: Error): void => {
      if (settled) return
      settled = true
      cleanup()
      socket.on('error', () => {})
      socket.destroy()
      void runtime.release()
      reject(error)
    }
    const onConnect = (): void => {
      if (init.preface !== undefined) {
        // connectTimeout and the signal cover the preface too (e.g. the 2.x JSON handshake).
        socket.off(readyEvent, onConnect)
        socket.off('connect', onTcpConnect)
        const preface = init.preface
        init = { ...init, preface: undefined }
        preface(socket).then((profile) => {
          if (settled) return
          // 'auto': the preface found which frame the server speaks (the loop core: its runtime is per options).
          if (profile !== undefined && profile !== opts.frameProfile) {
            void runtime.release()
            runtime = loopRuntime(resolveOptions({ ...init, frameProfile: profile }))
          }
          onConnect()
        }, fail)
        return
      }
      settled = true
      cleanup()
      const conn = runtime.createConnection(nextClientId++, socket)
      if (runtime.release !== releaseNothing) conn.onFinished = () => void runtime.release()
      resolve(conn)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('error', onError)
    socket.once('connect', onTcpConnect)
    socket.once(readyEvent, onConnect)
  })
}
