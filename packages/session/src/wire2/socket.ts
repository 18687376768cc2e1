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

/** What a raw read's chunk handler may do: finish with a value, fail (destroying the socket), or stop quietly. */
interface RawRead<T> {
  done(value: T): void
  fail(error: Error): void
  /** Stop listening and reject, without destroying the socket (it was ended gracefully). */
  stop(error: Error): void
}

/**
 * Reads the raw socket before any frame reader: each chunk to `onChunk` until it calls `done` / `fail`; a
 * close or socket error fails with `ConnectionClosedError(closedMessage)`, the timer with `onTimeout()`. On
 * `done` the socket is paused (the next reader resumes it); on `fail` it is destroyed.
 */
function readRaw<T>(
  socket: Socket,
  timeout: number,
  onTimeout: () => void,
  closedMessage: string,
  onChunk: (chunk: Buffer, read: RawRead<T>) => void,
  start?: (read: RawRead<T>) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let finished = false
    const cleanup = (): boolean => {
      if (finished) return false
      finished = true
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('close', onClose)
      socket.off('error', onClose)
      return true
    }
    const read: RawRead<T> = {
      done: (value) => {
        if (!cleanup()) return
        socket.pause()
        resolve(value)
      },
      fail: (error) => {
        if (!cleanup()) return
        socket.destroy()
        reject(error)
      },
      stop: (error) => {
        if (cleanup()) reject(error)
      },
    }
    const onData = (chunk: Buffer): void => {
      if (!finished) onChunk(chunk, read)
    }
    const onClose = (): void => read.fail(new ConnectionClosedError(closedMessage))
    const timer = setTimeout(onTimeout, timeout)
    socket.on('data', onData)
    socket.on('close', onClose)
    socket.on('error', onClose)
    start?.(read)
    if (!finished) socket.resume()
  })
}

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
  let read: RawRead<Wire2HandshakeResult> | undefined
  const apply = (step: Wire2Step, r: RawRead<Wire2HandshakeResult>): void => {
    if (step.send !== undefined && step.error !== undefined && init.role === 'server') {
      socket.end(step.send) // the refusal: say it, then close
      r.stop(step.error)
      return
    }
    if (step.send !== undefined) socket.write(step.send)
    if (step.error !== undefined) r.fail(step.error)
    else if (step.done !== undefined) r.done(step.done)
  }
  return readRaw(
    socket,
    h.timeout,
    () => apply(h.expire(), read!),
    'the peer closed during the 2.x handshake',
    (chunk, r) => apply(h.receive(chunk), r),
    (r) => {
      read = r
      apply(h.start(), r)
    },
  )
}

/**
 * Client, `protocol: 'auto'`: waits (writing nothing: both kinds of server speak first) for the server's first
 * 3 bytes, within `timeout` ms, and classifies them. The bytes are put back (`socket.unshift`) and the socket
 * paused, so whichever reader comes next — the 1.6.3 transport or `runWire2Handshake` — sees the stream from
 * its first byte: a 1.6.3 server sees exactly the bytes it would without 'auto'. Rejects `UnknownWireError`,
 * `HandshakeTimeoutError` or `ConnectionClosedError` (and destroys the socket).
 */
export function detectServerWire(socket: Socket, timeout = DEFAULT_HANDSHAKE_TIMEOUT): Promise<DetectedWire> {
  let held: Buffer = Buffer.alloc(0)
  let read: RawRead<DetectedWire> | undefined
  return readRaw<DetectedWire>(
    socket,
    timeout,
    () => read!.fail(new HandshakeTimeoutError(timeout)),
    'the server closed before saying which wire it speaks',
    (chunk, r) => {
      held = held.length === 0 ? chunk : Buffer.concat([held, chunk])
      let wire: DetectedWire | undefined
      try {
        wire = detectWire(held)
      } catch (error) {
        r.fail(error as Error)
        return
      }
      if (wire === undefined) return
      r.done(wire)
      socket.unshift(held) // after the pause in done(): the next reader gets them first
    },
    (r) => {
      read = r
    },
  )
}
