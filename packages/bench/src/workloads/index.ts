import type { WorkloadName } from '../options.js'
import { burstWorkload } from './burst.js'
import { clusterWorkload } from './cluster.js'
import type { Workload } from './common.js'
import { fpsWorkload } from './fps.js'
import { latencyWorkload } from './latency.js'
import { memoryWorkload } from './memory.js'
import { stressWorkload } from './stress.js'
import { throughputWorkload } from './throughput.js'
import { webSocketWorkload } from './websocket.js'

export const WORKLOAD_TABLE: Record<WorkloadName, Workload> = {
  memory: memoryWorkload,
  latency: latencyWorkload,
  fps: fpsWorkload,
  burst: burstWorkload,
  stress: stressWorkload,
  'throughput-by-size': throughputWorkload,
  websocket: webSocketWorkload,
  cluster: clusterWorkload,
}
