import type { Socket } from 'node:net'
import { DEFAULT_HANDSHAKE_TIMEOUT } from '../constants.js'
import { ConnectionClosedError, HandshakeTimeoutError } from '../errors.js'
import { type DetectedWire, detectWire } from './detect.js'
import {
  Wire2Handshake,
  type Wire2HandshakeInit,
  type Wire2HandshakeResult,
  type Wire2Step,
} from './handshake.js'

/**
 * The I/O around `Wire2Handshake` on a connected `net.Socket`, before any frame reader is attached: writes
 * what it returns, arms its timeout (per connection: nothing here blocks another socket), and on success
 * pauses the socket and resolves with the result (`rest` = the first frame bytes, for the frame decoder). On
 * failure the socket is destroyed without another byte (as the reference does) and the promise rejects with
 * the typed error (`ServerFullError`, `VersionMismatchError`, `HandshakeMessageError`, `HandshakeTimeoutError`,
 * `ConnectionClosedError`). A server's refusal (`init.refuse`) is written, then the socket is ended.
 */
export function runWire2Handshake(socket: Socket, init: Wire2HandshakeInit): Promise<Wire2HandshakeResult> {
  const h = new Wire2Handshake(init)
  return new Promise<Wire2HandshakeResult>((resolve, reject) => {
    let finished = false
    const timer = setTimeout(() => apply(h.expire()), h.timeout)
    const onData = (chunk: Buffer): void => {
      if (!finished) apply(h.receive(chunk))
    }
    const onClose = (): void => end(new ConnectionClosedError('the peer closed during the 2.x handshake'))
    const cleanup = (): void => {
      finished = true
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('close', onClose)
      socket.off('error', onClose)
    }
    const end = (error: Error): void => {
      if (finished) return
      cleanup()
      socket.destroy()
      reject(error)
    }
    const apply = (step: Wire2Step): void => {
      if (finished) return
      if (step.send !== undefined && step.error !== undefined && init.role === 'server') {
        // the refusal: say it, then close
        cleanup()
        socket.end(step.send)
        reject(step.error)
        return
      }
      if (step.send !== undefined) socket.write(step.send)
      if (step.error !== undefined) end(step.error)
      else if (step.done !== undefined) {
        cleanup()
        socket.pause()
        resolve(step.done)
      }
    }
    socket.on('data', onData)
    socket.on('close', onClose)
    socket.on('error', onClose)
    apply(h.start())
    socket.resume()
  })
}

/**
 * Client, `protocol: 'auto'`: waits (writing nothing: both kinds of server speak first) for the server's first
 * 3 bytes, within `timeout` ms, and classifies them. The bytes are put back (`socket.unshift`) and the socket
 * paused, so whichever reader comes next — the 1.6.3 transport or `runWire2Handshake` — sees the stream from
 * its first byte: a 1.6.3 server sees exactly the bytes it would without 'auto'. Rejects `UnknownWireError`,
 * `HandshakeTimeoutError` or `ConnectionClosedError` (and destroys the socket).
 */
export function detectServerWire(socket: Socket, timeout = DEFAULT_HANDSHAKE_TIMEOUT): Promise<DetectedWire> {
  return new Promise<DetectedWire>((resolve, reject) => {
    let held: Buffer = Buffer.alloc(0)
    let finished = false
    const timer = setTimeout(() => fail(new HandshakeTimeoutError(timeout)), timeout)
    const cleanup = (): void => {
      finished = true
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('close', onClose)
      socket.off('error', onClose)
    }
    const fail = (error: Error): void => {
      if (finished) return
      cleanup()
      socket.destroy()
      reject(error)
    }
    const onClose = (): void =>
      fail(new ConnectionClosedError('the server closed before saying which wire it speaks'))
    const onData = (chunk: Buffer): void => {
      held = held.length === 0 ? chunk : Buffer.concat([held, chunk])
      let wire: DetectedWire | undefined
      try {
        wire = detectWire(held)
      } catch (error) {
        fail(error as Error)
        return
      }
      if (wire === undefined) return
      cleanup()
      socket.pause()
      socket.unshift(held)
      resolve(wire)
    }
    socket.on('data', onData)
    socket.on('close', onClose)
    socket.on('error', onClose)
    socket.resume()
  })
}
