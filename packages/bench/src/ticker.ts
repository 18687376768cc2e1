import { setTimeout as sleep } from 'node:timers/promises'
import { nowNs } from './stats.js'

/**
 * Runs `onTick` `ticks` times at `hz`, on an absolute schedule (no drift), and returns each tick's lateness
 * in microseconds. Sleeps with a timer until about a millisecond before the deadline, then yields with
 * setImmediate (which still serves I/O) until it: Node's timers have millisecond granularity, and a game
 * server needs better. What remains as lateness is the event loop being busy – the figure reported as jitter.
 */
export async function runTicks(
  hz: number,
  ticks: number,
  onTick: (tick: number) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<Float64Array> {
  const period = 1e9 / hz
  const start = nowNs() + period
  const lateness = new Float64Array(ticks)
  for (let k = 0; k < ticks; k++) {
    signal?.throwIfAborted()
    const due = start + k * period
    await waitUntil(due)
    lateness[k] = (nowNs() - due) / 1000
    await onTick(k)
  }
  return lateness
}

async function waitUntil(dueNs: number): Promise<void> {
  const ms = (dueNs - nowNs()) / 1e6
  if (ms > 1.5) await sleep(Math.floor(ms - 1))
  while (nowNs() < dueNs) await new Promise<void>((resolve) => setImmediate(resolve))
}
