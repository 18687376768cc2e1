import type { ResolvedOptions } from '../options.js'
import type { CoreRuntime } from '../runtime.js'
import { loopRuntime } from '../runtime.js'

/** Placeholder until the worker core lands: behaves as the loop core. */
export async function acquireWorkerRuntime(
  opts: ResolvedOptions,
  _maxWorkers?: number,
): Promise<CoreRuntime> {
  return loopRuntime(opts)
}
