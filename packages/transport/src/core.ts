import { DEFAULT_SOCKET_CORE } from './constants.js'
import { loopRuntime } from './loop/loop-runtime.js'
import type { ResolvedOptions } from './options.js'
import type { CoreRuntime } from './runtime.js'
import { SocketCore, type TransportInit } from './types.js'
import { acquireWorkerRuntime } from './worker/worker-runtime.js'

/** Picks the core named by `init.core` (LOOP by default). */
export function createRuntime(init: TransportInit, opts: ResolvedOptions): Promise<CoreRuntime> {
  const core = init.core ?? DEFAULT_SOCKET_CORE
  if (core === SocketCore.WORKER) {
    if (opts.frameProfile.name !== '1.6') {
      return Promise.reject(
        new RangeError(`the worker core speaks only the 1.6.3 frame, not '${opts.frameProfile.name}'`),
      )
    }
    return acquireWorkerRuntime(opts, init.maxWorkers)
  }
  if (core !== SocketCore.LOOP) return Promise.reject(new RangeError(`unknown socket core ${String(core)}`))
  return Promise.resolve(loopRuntime(opts))
}
