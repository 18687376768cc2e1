import type { ResolvedOptions } from '../options.js'
import type { CoreRuntime } from '../runtime.js'
import { WorkerConnection } from './worker-connection.js'
import { acquirePool, releasePool } from './worker-pool.js'

/** The worker core: connections spread over a shared pool of worker threads (least loaded first). */
export async function acquireWorkerRuntime(opts: ResolvedOptions, maxWorkers?: number): Promise<CoreRuntime> {
  if (maxWorkers !== undefined && !(maxWorkers >= 1)) {
    throw new RangeError(`maxWorkers must be at least 1, got ${maxWorkers}`)
  }
  const pool = acquirePool(maxWorkers)
  let released = false
  return {
    createConnection: (id, socket) => {
      const link = pool.pick()
      return new WorkerConnection(id, socket, opts, link, pool.nextKey())
    },
    release: () => {
      if (released) return Promise.resolve()
      released = true
      return releasePool(pool)
    },
  }
}
