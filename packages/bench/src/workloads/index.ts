import type { WorkloadName } from '../options.js'
import { broadcastWorkload } from './broadcast.js'
import { burstWorkload } from './burst.js'
import { clusterWorkload } from './cluster.js'
import type { Workload } from './common.js'
import { fpsWorkload } from './fps.js'
import { latencyWorkload } from './latency.js'
import { memoryWorkload } from './memory.js'
import { scaleWorkload } from './scale.js'
import { stressWorkload } from './stress.js'
import { throughputWorkload } from './throughput.js'
import { webSocketWorkload } from './websocket.js'
import { workerCoreWorkload } from './worker-core.js'

export const WORKLOAD_TABLE: Record<WorkloadName, Workload> = {
  memory: memoryWorkload,
  latency: latencyWorkload,
  fps: fpsWorkload,
  burst: burstWorkload,
  stress: stressWorkload,
  'throughput-by-size': throughputWorkload,
  broadcast: broadcastWorkload,
  scale: scaleWorkload,
  'worker-core': workerCoreWorkload,
  websocket: webSocketWorkload,
  cluster: clusterWorkload,
}
