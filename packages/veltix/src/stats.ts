import type { ResumeStats, Session } from '@veltix/session'

/** Counters of one connection (`client.stats()`, `clientInfo.stats()`). Bytes include the 22-byte headers. */
export interface ConnectionStats {
  /**
   * Application messages received (codes 200+; replies to `sendAndWait` included). System frames (HELLO,
   * HELLO_ACK, PING, PONG, AUTH, ...) are not counted; bytes are.
   */
  messagesIn: number
  /** Application messages sent (accepted by the connection; same exclusions as `messagesIn`). */
  messagesOut: number
  /**
   * Messages not sent because this connection's send queue was full (`maxQueueBytes` reached, e.g. a slow
   * reader skipped by a broadcast): `send()` returned false (or `broadcast()` left it out). Not in `messagesOut`.
   */
  sendQueueFull: number
  /** Bytes read from the socket. */
  bytesIn: number
  /** Bytes handed to the socket. */
  bytesOut: number
  /**
   * Frames dropped, by reason: `checksum` (bad CRC), `unknownType`, `other` (other decode errors),
   * `unsolicitedPong`, `handshake` (a stray HELLO / HELLO_ACK), `truncated` (part of a frame had arrived when
   * the connection ended, e.g. a link cut mid-frame: the rest never came).
   */
  droppedFrames: Record<string, number>
  /** `sendAndWait` / ping calls waiting for their reply. */
  pendingRequests: number
  /** Round trip of the last completed ping or `sendAndWait`, in ms; null before any. */
  lastRtt: number | null
}

/** `server.stats()`: the live connections' counters summed, plus the closed ones'. */
export interface ServerStats extends Omit<ConnectionStats, 'lastRtt'> {
  /** Connections open now (handshake done or not). */
  connections: number
  /** Connections that completed the handshake, now. */
  clients: number
  /** Connections accepted since the server was created. */
  acceptedTotal: number
  /** Connections closed before completing the handshake, since the server was created (refusals included). */
  handshakeFailures: number
  /** Clients the `authenticate` hook refused, since the server was created. */
  authRefused: number
  /** What the `limits` did, since the server was created. */
  limits: {
    /** Connections closed at once for `maxConnectionsPerAddress` / `maxNewConnectionsPerSecond`. */
    refusedConnections: number
    /** Messages dropped for `maxMessagesPerSecond` / `maxBytesPerSecond` (`onLimit: 'drop'`). */
    droppedMessages: number
    /** Connections closed for them (`onLimit: 'close'`). */
    closedConnections: number
  }
  /** Plugin hooks that threw or rejected, since the server was created. */
  pluginErrors: number
  /** Resumable connections (`resume` on): recoveries, expiries and what they lost. */
  resume?: ResumeStats
}

/** `client.stats()`: the current connection's counters, summed with the earlier connections'. */
export interface ClientStats extends ConnectionStats {
  connected: boolean
  /** Successful handshakes after the first one. */
  reconnects: number
  /** Connection attempts that failed. */
  failedAttempts: number
  /** Plugin hooks that threw or rejected, since the client was created. */
  pluginErrors: number
  /** Resumable connections (`resume` on): recoveries, expiries and what they lost. */
  resume?: ResumeStats
}

export function emptyStats(): ConnectionStats {
  return {
    messagesIn: 0,
    messagesOut: 0,
    sendQueueFull: 0,
    bytesIn: 0,
    bytesOut: 0,
    droppedFrames: {},
    pendingRequests: 0,
    lastRtt: null,
  }
}

/** Adds `b` into `a` (lastRtt: `b`'s when set). */
export function addStats(a: ConnectionStats, b: ConnectionStats): ConnectionStats {
  a.messagesIn += b.messagesIn
  a.messagesOut += b.messagesOut
  a.sendQueueFull += b.sendQueueFull
  a.bytesIn += b.bytesIn
  a.bytesOut += b.bytesOut
  a.pendingRequests += b.pendingRequests
  for (const [k, v] of Object.entries(b.droppedFrames)) a.droppedFrames[k] = (a.droppedFrames[k] ?? 0) + v
  if (b.lastRtt !== null) a.lastRtt = b.lastRtt
  return a
}

/**
 * One session's counters as `ConnectionStats` (application messages only; the transport's queue-full
 * rejections and truncated frames added). `extraOut` / `extraBytes`: sends counted outside the session.
 */
export function sessionStats(s: Session | undefined, extraOut = 0, extraBytes = 0): ConnectionStats {
  if (s === undefined) return emptyStats()
  const st = s.stats
  const wire = s.connection.stats
  return {
    messagesIn: st.messagesIn - st.systemIn,
    messagesOut: st.messagesOut - st.systemOut + extraOut,
    sendQueueFull: wire.overflowRejected,
    bytesIn: st.bytesIn,
    bytesOut: st.bytesOut + extraBytes,
    droppedFrames: { ...st.droppedFrames, truncated: wire.truncatedFrames },
    pendingRequests: s.pendingCount,
    lastRtt: st.lastRtt,
  }
}
