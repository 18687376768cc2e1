import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** Memory of this process after full garbage collections, in bytes. */
export interface MemorySample {
  rss: number
  heapUsed: number
  heapTotal: number
  external: number
  arrayBuffers: number
}

let gcFn: (() => void) | undefined

function getGc(): () => void {
  if (gcFn !== undefined) return gcFn
  const g = (globalThis as { gc?: () => void }).gc
  if (typeof g === 'function') gcFn = g
  else {
    // Children are forked with --expose-gc; this fallback serves --in-process runs.
    setFlagsFromString('--expose-gc')
    gcFn = runInNewContext('gc') as () => void
  }
  return gcFn
}

/** Collects garbage (several passes, with turns of the event loop between them so finalizers run) and samples. */
export async function measureMemory(): Promise<MemorySample> {
  const gc = getGc()
  for (let i = 0; i < 4; i++) {
    gc()
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  const m = process.memoryUsage()
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
  }
}
