import {
  TARGET_BROADCAST_RATIO,
  TARGET_BURST_RECEIVE_RATIO,
  TARGET_FPS_JITTER_P99_MS,
  TARGET_LARGE_MBPS_RATIO,
  TARGET_LATENCY_P50_RATIO,
  TARGET_MEMORY_PER_CONNECTION_RATIO,
  TARGET_RAW4_THROUGHPUT_RATIO,
  TARGET_SCALE_RSS_RATIO,
  TARGET_SEND_AND_WAIT_P50_RATIO,
  TARGET_SEND_AND_WAIT_P99_RATIO,
  TARGET_STRESS_RATIO,
  TARGET_WORKER_SPEEDUP,
} from './constants.js'
import type { BenchOptions } from './options.js'
import type { Figure, Ratio, TargetCheck } from './results.js'
import { fpsLabel } from './workloads/fps.js'
import { TARGET_WS_BURST_RATIO, TARGET_WS_REQUEST_P50_RATIO } from './workloads/websocket.js'

/** Ratios of Veltix to a differently named baseline figure (besides the same-name ones). */
const CROSS_RATIOS: { workload: Figure['workload']; name: string; baselineName: string }[] = [
  // The latency target compares sendAndWait with the baseline's plain ping-pong.
  { workload: 'latency', name: 'sendAndWait.p50', baselineName: 'ping.p50' },
  { workload: 'latency', name: 'sendAndWait.p99', baselineName: 'ping.p99' },
]

/**
 * Veltix / baseline for every Veltix figure that has a baseline twin, per core. Percentages (success rates)
 * and counts are left out: their ratio says nothing. Memory figures are compared per client or connection.
 */
export function computeRatios(figures: readonly Figure[]): Ratio[] {
  // Denominators by reference: the same-framing baseline (''), the 4-byte-length program, Veltix's loop core.
  const base = new Map<string, Figure>()
  for (const f of figures) {
    if (f.impl === 'baseline') base.set(`/${f.workload}/${f.name}`, f)
    else if (f.impl === 'raw4') base.set(`raw4/${f.workload}/${f.name}`, f)
    else if (f.impl === 'veltix' && f.core === 'loop' && f.workload === 'worker-core')
      base.set(`veltix-loop/${f.workload}/${f.name}`, f)
  }
  const out: Ratio[] = []
  const push = (f: Figure, baselineName: string, reference?: Ratio['reference']): void => {
    const b = base.get(`${reference ?? ''}/${f.workload}/${baselineName}`)
    if (b === undefined || b.value === 0 || !Number.isFinite(b.value) || !Number.isFinite(f.value)) return
    out.push({
      workload: f.workload,
      core: f.core,
      name: f.name,
      baselineName,
      ...(reference === undefined ? {} : { reference }),
      value: f.value / b.value,
      better: f.better,
    })
  }
  for (const f of figures) {
    if (f.impl !== 'veltix' || f.unit === '%' || f.unit === 'count') continue
    if (f.workload === 'memory' && !/[pP]er(Client|Connection)/.test(f.name)) continue
    push(f, f.name)
    push(f, f.name, 'raw4')
    if (f.core === 'worker') push(f, f.name, 'veltix-loop')
  }
  for (const c of CROSS_RATIOS) {
    for (const f of figures)
      if (f.impl === 'veltix' && f.workload === c.workload && f.name === c.name) {
        push(f, c.baselineName)
        push(f, c.baselineName, 'raw4')
      }
  }
  return out
}

/** Checks the targets on the loop core. A target whose figures were not measured is left out. */
export function checkTargets(
  figures: readonly Figure[],
  ratios: readonly Ratio[],
  options: BenchOptions,
): TargetCheck[] {
  const out: TargetCheck[] = []
  const ratio = (
    workload: string,
    name: string,
    baselineName = name,
    reference?: Ratio['reference'],
    core: Ratio['core'] = 'loop',
  ): number | undefined =>
    ratios.find(
      (r) =>
        r.core === core &&
        r.workload === workload &&
        r.name === name &&
        r.baselineName === baselineName &&
        r.reference === reference,
    )?.value
  const veltix = (workload: string, name: string): number | undefined =>
    figures.find(
      (f) => f.impl === 'veltix' && f.core === 'loop' && f.workload === workload && f.name === name,
    )?.value
  const add = (
    id: string,
    description: string,
    value: number | undefined,
    op: TargetCheck['op'],
    limit: number,
  ): void => {
    if (value === undefined) return
    const pass = op === '>=' ? value >= limit : op === '<=' ? value <= limit : value === limit
    out.push({ id, description, value, op, limit, pass })
  }
  add(
    'burst.receive',
    'burst receive rate / baseline',
    ratio('burst', 'receive.msgPerSec'),
    '>=',
    TARGET_BURST_RECEIVE_RATIO,
  )
  add('stress', 'stress messages/s / baseline', ratio('stress', 'msgPerSec'), '>=', TARGET_STRESS_RATIO)
  add(
    'burst.receive.raw4',
    'burst receive rate / 4-byte-length raw',
    ratio('burst', 'receive.msgPerSec', 'receive.msgPerSec', 'raw4'),
    '>=',
    TARGET_RAW4_THROUGHPUT_RATIO,
  )
  add(
    'stress.raw4',
    'stress (100-client fan-in) messages/s / 4-byte-length raw',
    ratio('stress', 'msgPerSec', 'msgPerSec', 'raw4'),
    '>=',
    TARGET_RAW4_THROUGHPUT_RATIO,
  )
  add(
    'latency.sendAndWait',
    'sendAndWait p50 / baseline ping p50',
    ratio('latency', 'sendAndWait.p50', 'ping.p50'),
    '<=',
    TARGET_SEND_AND_WAIT_P50_RATIO,
  )
  add(
    'latency.sendAndWait.p99',
    'sendAndWait p99 / baseline ping p99',
    ratio('latency', 'sendAndWait.p99', 'ping.p99'),
    '<=',
    TARGET_SEND_AND_WAIT_P99_RATIO,
  )
  add(
    'latency.ping',
    'ping p50 / baseline ping p50',
    ratio('latency', 'ping.p50'),
    '<=',
    TARGET_LATENCY_P50_RATIO,
  )
  add(
    'memory.perConnection',
    'server RSS per idle connection / baseline (scale run)',
    ratio('memory', 'scale.server.rssPerConnection'),
    '<=',
    TARGET_MEMORY_PER_CONNECTION_RATIO,
  )
  add(
    'broadcast',
    'broadcast deliveries/s / baseline (one encoded frame to every socket)',
    ratio('broadcast', 'deliveries.perSec'),
    '>=',
    TARGET_BROADCAST_RATIO,
  )
  add(
    'scale.rssPerConnection',
    `server RSS per idle connection / baseline (${options.scaleConnections} connections)`,
    ratio('scale', 'server.rssPerConnection'),
    '<=',
    TARGET_SCALE_RSS_RATIO,
  )
  add(
    'large.1MiB',
    '1 MiB frames MB/s / baseline',
    ratio('throughput-by-size', '1MiB.MBps'),
    '>=',
    TARGET_LARGE_MBPS_RATIO,
  )
  add(
    'worker-core.speedup',
    'worker core frames/s / loop core (1 MiB into a CPU-bound handler)',
    ratio('worker-core', 'frames.perSec', 'frames.perSec', 'veltix-loop', 'worker'),
    '>=',
    TARGET_WORKER_SPEEDUP,
  )
  // The websocket workload's baseline is socket.io 4.8 (issue 15).
  const wsBurst = ratio('websocket', 'ws.burst.receive.msgPerSec')
  add('websocket.burst', 'WebSocket burst receive / socket.io', wsBurst, '>=', TARGET_WS_BURST_RATIO)
  const wsRequest = ratio('websocket', 'ws.request.p50')
  add('websocket.request', 'WebSocket request p50 / socket.io', wsRequest, '<=', TARGET_WS_REQUEST_P50_RATIO)
  for (const cfg of options.fpsConfigs) {
    const l = fpsLabel(cfg)
    add(`fps.${l}.delivery`, `fps ${l} delivery (%)`, veltix('fps', `${l}.delivery`), '==', 100)
    add(
      `fps.${l}.jitter`,
      `fps ${l} tick jitter p99 (ms)`,
      veltix('fps', `${l}.jitter.p99`),
      '<=',
      TARGET_FPS_JITTER_P99_MS,
    )
  }
  return out
}
