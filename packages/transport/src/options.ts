import {
  DEFAULT_MAX_MESSAGE_SIZE,
  FRAME_PROFILE_1_6,
  type FrameProfile,
  HEADER_SIZE,
  type MessageTypeRegistry,
} from '@veltix/codec'
import { type LoggerLike, noopLogger } from '@veltix/logger'
import {
  DEFAULT_BUFFER_SIZE,
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_OVERFLOW_POLICY,
  DEFAULT_PERFORMANCE_MODE,
  FLUSH_THRESHOLD,
  KEEP_ALIVE_DELAY,
} from './constants.js'
import { BufferSize, PerformanceMode, type TransportInit } from './types.js'

/** Every tunable a connection needs, resolved once per transport. */
export interface ResolvedOptions {
  maxMessageSize: number
  registry: MessageTypeRegistry | undefined
  frameProfile: FrameProfile
  bufferSize: number
  performanceMode: PerformanceMode
  highWaterMark: number
  maxQueuedBytes: number
  overflowPolicy: 'error' | 'close'
  flushThreshold: number
  /** HIGH: flush on setImmediate (coalesces across every I/O callback of a loop turn); else on a microtask. */
  flushOnImmediate: boolean
  keepAliveDelay: number
  closeTimeout: number
  logger: LoggerLike
}

const BUFFER_SIZES = new Set<number>([BufferSize.SMALL, BufferSize.MEDIUM, BufferSize.LARGE, BufferSize.HUGE])
const MODES = new Set<string>([PerformanceMode.LOW, PerformanceMode.BALANCED, PerformanceMode.HIGH])

/** Validates and fills defaults. Throws RangeError on a nonsensical value. */
export function resolveOptions(init: TransportInit & { closeTimeout?: number }): ResolvedOptions {
  const maxMessageSize = init.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE
  if (typeof maxMessageSize !== 'number' || !(maxMessageSize >= HEADER_SIZE)) {
    throw new RangeError(`maxMessageSize must be a number of bytes >= ${HEADER_SIZE}, got ${maxMessageSize}`)
  }
  const bufferSize = init.bufferSize ?? DEFAULT_BUFFER_SIZE
  if (!BUFFER_SIZES.has(bufferSize))
    throw new RangeError(`bufferSize must be a BufferSize value, got ${bufferSize}`)
  const performanceMode = init.performanceMode ?? DEFAULT_PERFORMANCE_MODE
  if (!MODES.has(performanceMode)) {
    throw new RangeError(`performanceMode must be a PerformanceMode value, got ${String(performanceMode)}`)
  }
  const highWaterMark = positive('highWaterMark', init.highWaterMark ?? DEFAULT_HIGH_WATER_MARK)
  const maxQueuedBytes = positive(
    'maxQueuedBytes',
    init.maxQueuedBytes ??
      Math.max(DEFAULT_MAX_QUEUED_BYTES, Number.isFinite(maxMessageSize) ? 2 * maxMessageSize : 0),
  )
  if (maxQueuedBytes < highWaterMark) {
    throw new RangeError(
      `maxQueuedBytes (${maxQueuedBytes}) must not be below highWaterMark (${highWaterMark})`,
    )
  }
  const overflowPolicy = init.overflowPolicy ?? DEFAULT_OVERFLOW_POLICY
  if (overflowPolicy !== 'error' && overflowPolicy !== 'close') {
    throw new RangeError(`overflowPolicy must be 'error' or 'close', got ${String(overflowPolicy)}`)
  }
  const resolved: ResolvedOptions = {
    maxMessageSize,
    registry: init.registry,
    frameProfile: init.frameProfile ?? FRAME_PROFILE_1_6,
    bufferSize,
    performanceMode,
    highWaterMark,
    maxQueuedBytes,
    overflowPolicy,
    flushThreshold: FLUSH_THRESHOLD[performanceMode],
    flushOnImmediate: performanceMode === PerformanceMode.HIGH,
    keepAliveDelay: KEEP_ALIVE_DELAY[performanceMode],
    closeTimeout: positive('closeTimeout', init.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT),
    logger: init.logger ?? noopLogger,
  }
  return intern(resolved)
}

// The last options resolved: clients made with the same settings (every client of a process, usually) share
// one object, and so one shared inbound decoder — about 0.7 KiB less per client connection.
let lastResolved: ResolvedOptions | undefined

function intern(o: ResolvedOptions): ResolvedOptions {
  const l = lastResolved
  if (
    l !== undefined &&
    l.maxMessageSize === o.maxMessageSize &&
    l.registry === o.registry &&
    l.frameProfile === o.frameProfile &&
    l.bufferSize === o.bufferSize &&
    l.performanceMode === o.performanceMode &&
    l.highWaterMark === o.highWaterMark &&
    l.maxQueuedBytes === o.maxQueuedBytes &&
    l.overflowPolicy === o.overflowPolicy &&
    l.flushThreshold === o.flushThreshold &&
    l.flushOnImmediate === o.flushOnImmediate &&
    l.keepAliveDelay === o.keepAliveDelay &&
    l.closeTimeout === o.closeTimeout &&
    l.logger === o.logger
  ) {
    return l
  }
  lastResolved = o
  return o
}

function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !(value > 0))
    throw new RangeError(`${name} must be a positive number, got ${value}`)
  return value
}
