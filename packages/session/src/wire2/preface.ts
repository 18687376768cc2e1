import type { Socket } from 'node:net'
import { FRAME_PROFILE_1_6, FRAME_PROFILE_2, type FrameProfile } from '@veltix/codec'
import { DEFAULT_HANDSHAKE_TIMEOUT } from '../constants.js'
import type { Wire2HandshakeInit, Wire2HandshakeResult } from './handshake.js'
import { rememberWire2 } from './registry.js'
import { detectServerWire, runWire2Handshake } from './socket.js'

/** Called with each completed handshake (the socket is the one that becomes the `Connection`). */
export type Wire2HandshakeListener = (result: Wire2HandshakeResult, socket: Socket) => void

/** The handshake options a preface takes (the role is the preface's). */
export type Wire2PrefaceInit = Omit<Wire2HandshakeInit, 'role'>

/**
 * Runs the handshake, puts the first frame bytes back for the transport's decoder, and records the result for
 * the `Session` of the connection the socket becomes (its ids, whether our extension runs).
 */
async function handshake(socket: Socket, init: Wire2HandshakeInit, onDone?: Wire2HandshakeListener) {
  const result = await runWire2Handshake(socket, init)
  rememberWire2(socket, result)
  if (result.rest.length > 0)
    socket.unshift(Buffer.from(result.rest.buffer, result.rest.byteOffset, result.rest.length))
  onDone?.(result, socket)
}

/**
 * A transport `preface` for a protocol-'2' server: the 2.x JSON handshake on each accepted socket, before it
 * becomes a `Connection` (use with `frameProfile: FRAME_PROFILE_2`). A failed handshake closes that socket.
 */
export function wire2ServerPreface(init: Wire2PrefaceInit = {}, onDone?: Wire2HandshakeListener) {
  return async (socket: Socket): Promise<FrameProfile | undefined> => {
    await handshake(socket, { ...init, role: 'server' }, onDone)
    return undefined
  }
}

/**
 * A transport `preface` for a client: `'2'` runs the 2.x handshake; `'auto'` first reads the server's first
 * bytes (writing nothing) and, for a 1.6.3 server, puts them back and resolves the 1.6.3 profile — the 1.6.3
 * session then sees exactly the bytes it would have seen without 'auto'.
 */
export function wire2ClientPreface(
  protocol: 'auto' | '2',
  init: Wire2PrefaceInit = {},
  onDone?: Wire2HandshakeListener,
) {
  return async (socket: Socket): Promise<FrameProfile | undefined> => {
    if (protocol === 'auto') {
      const wire = await detectServerWire(socket, init.timeout ?? DEFAULT_HANDSHAKE_TIMEOUT)
      if (wire === '1.6') return FRAME_PROFILE_1_6
    }
    await handshake(socket, { ...init, role: 'client' }, onDone)
    return FRAME_PROFILE_2
  }
}
