import { type CompressionInit, DEFAULT_COMPRESSION_THRESHOLD } from '@veltix/session'
import { type PluginWire, VeltixBasePlugin } from './plugin.js'

/** Options of `compression()`. */
export interface CompressionOptions {
  /** Payloads above this many bytes are compressed (default 1024). */
  threshold?: number
  /** zlib level 1..9 (default 6). */
  level?: number
}

/**
 * Per-message deflate-raw (node:zlib), negotiated in the HELLO capability block (`vx.z`): used on a connection
 * only when both peers registered it; a reference peer, or one without it, gets plain 1.6.3. Payloads above
 * `threshold` are compressed when that makes them smaller; a compressed frame that would inflate past
 * `maxMessageSize` closes the connection with `CompressionBombError`. With encryption on: compressed, then
 * sealed. Connections opened after registration use it.
 */
export class CompressionPlugin extends VeltixBasePlugin {
  readonly name = 'compression'
  override readonly wire: PluginWire
  readonly threshold: number
  constructor(options: CompressionOptions = {}) {
    super()
    const threshold = options.threshold ?? DEFAULT_COMPRESSION_THRESHOLD
    if (!(Number.isInteger(threshold) && threshold >= 0))
      throw new RangeError(`compression: threshold must be an integer >= 0, got ${threshold}`)
    const level = options.level ?? 6
    if (!(Number.isInteger(level) && level >= 1 && level <= 9))
      throw new RangeError(`compression: level must be an integer from 1 to 9, got ${level}`)
    this.threshold = threshold
    const init: CompressionInit = { threshold, level }
    this.wire = { compression: init }
  }
}

/** `server.registerPlugin(compression({ threshold: 1024 }))` — see `CompressionPlugin`. */
export function compression(options: CompressionOptions = {}): CompressionPlugin {
  return new CompressionPlugin(options)
}
