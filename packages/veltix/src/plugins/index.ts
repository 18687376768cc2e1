/**
 * @packageDocumentation
 * `veltix/plugins`: the first-party plugins. `compression({ threshold })` (negotiated deflate-raw) and
 * `metrics({ registry? })` (Prometheus metrics through the optional peer dependency prom-client).
 */
export { CompressionBombError, DecompressionError } from '@veltix/session'
export { type CompressionOptions, CompressionPlugin, compression } from './compression.js'
export {
  DEFAULT_REQUEST_BUCKETS,
  type MetricsOptions,
  MetricsPlugin,
  MissingPeerDependencyError,
  metrics,
} from './metrics.js'
