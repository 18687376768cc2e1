import {
  TARGET_BURST_RECEIVE_RATIO,
  TARGET_FPS_JITTER_P99_MS,
  TARGET_LATENCY_P50_RATIO,
  TARGET_MEMORY_PER_CONNECTION_RATIO,
  TARGET_STRESS_RATIO,
} from './constants.js'
import type { BenchOptions } from './options.js'
import type { Figure, Ratio, TargetCheck } from './results.js'
import { fpsLabel } from './workloads/fps.js'
import { TARGET_WS_BURST_RATIO, TARGET_WS_REQUEST_P50_RATIO } from './workloads/websocket.js'

/** Ratios of Veltix to a differently named baseline figure (besides the same-name ones). */
const CROSS_RATIOS: { workload: Figure['workload']; name: string; baselineName: string }[] = [
  // The latency target compares sendAndWait with the baseline's plain ping-pong.
  { workload: 'latency', name: 'sendAndWait.p50', baselineName: 'ping.p50' },
]

/**
 * Veltix / baseline for every Veltix figure that has a baseline twin, per core. Percentages (success rates)
 * and counts are left out: their ratio says nothing. Memory figures are compared per client or connection.
 */
export function computeRatios(figures: readonly Figure[]): Ratio[] {
  const base = new Map<string, Figure>()
  for (const f of figures) if (f.impl === 'baseline') base.set(`${f.workload}/${f.name}`, f)
  const out: Ratio[] = []
  const push = (f: Figure, baselineName: string): void => {
    const b = base.get(`${f.workload}/${baselineName}`)
    if (b === undefined || b.value === 0 || !Number.isFinite(b.value) || !Number.isFinite(f.value)) return
    out.push({
      workload: f.workload,
      core: f.core,
      name: f.name,
      baselineName,
      value: f.value / b.value,
      better: f.better,
    })
  }
  for (const f of figures) {
    if (f.impl !== 'veltix' || f.unit === '%' || f.unit === 'count') continue
    if (f.workload === 'memory' && !/[pP]er(Client|Connection)/.test(f.name)) continue
    push(f, f.name)
  }
  for (const c of CROSS_RATIOS) {
    for (const f of figures)
      if (f.impl === 'veltix' && f.workload === c.workload && f.name === c.name) push(f, c.baselineName)
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
  const ratio = (workload: string, name: string, baselineName = name): number | undefined =>
    ratios.find(
      (r) =>
        r.core === 'loop' && r.workload === workload && r.name === name && r.baselineName === baselineName,
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
    'latency.sendAndWait',
    'sendAndWait p50 / baseline ping p50',
    ratio('latency', 'sendAndWait.p50', 'ping.p50'),
    '<=',
    TARGET_LATENCY_P50_RATIO,
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
