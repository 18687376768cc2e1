import {
  type Capabilities,
  ChecksumMismatchError,
  type CodecError,
  UnknownMessageTypeError,
} from '@veltix/codec'
import type { SessionStats } from './types.js'

/** A new session's counters, all zero. @internal */
export function newSessionStats(): SessionStats {
  return {
    messagesIn: 0,
    messagesOut: 0,
    systemIn: 0,
    systemOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    delivered: 0,
    pendingRequests: 0,
    lastRtt: null,
    droppedFrames: { checksum: 0, unknownType: 0, other: 0, unsolicitedPong: 0, handshake: 0 },
  }
}

/** Counts a frame the decoder dropped, by why. @internal */
export function countDropped(stats: SessionStats, e: CodecError): void {
  const d = stats.droppedFrames
  if (e instanceof ChecksumMismatchError) d.checksum++
  else if (e instanceof UnknownMessageTypeError) d.unknownType++
  else d.other++
}

/** Capability keys both sides announced; undefined when either announced none (the getter makes it empty). @internal */
export function sharedKeys(
  theirs: Capabilities | null,
  mine: Capabilities | undefined,
): ReadonlySet<string> | undefined {
  if (theirs === null || mine === undefined) return undefined
  const shared = new Set<string>()
  for (const k of theirs.keys()) if (mine.has(k)) shared.add(k)
  return shared
}
