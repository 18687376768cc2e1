import { encodeFrame } from '@veltix/codec'
import { WebSocket } from 'ws'

/**
 * Opens a `ws` client and waits until it is open (rejects on an HTTP refusal or error). `setup` runs at once,
 * before any message can arrive (the server's first frame may come in the same packet as the upgrade answer).
 */
export function openWs(
  url: string,
  options: WebSocket.ClientOptions = {},
  setup?: (ws: WebSocket) => void,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options)
    setup?.(ws)
    ws.once('open', () => {
      ws.off('error', reject)
      resolve(ws)
    })
    ws.once('error', reject)
  })
}

/** Resolves with the close code and reason the client saw. */
export function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve({ code: -1, reason: 'already closed' })
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
}

/** Polls `predicate` until true (generous timeout: for waiting only, never a timing assertion). */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export function frame(code: number, payload: string | Uint8Array, requestId = 1): Buffer {
  return encodeFrame({
    code,
    requestId,
    payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
  })
}

// One Recorder for every Connection implementation's tests: the transport's.
export { Recorder } from '../../transport/test/helpers.js'
