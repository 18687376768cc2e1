import type { Writable } from 'node:stream'

/** Receives progress of a run. The CLI draws it; programmatic callers may pass their own or none. */
export interface ProgressReporter {
  /** A workload starts; it has `phases` phases. */
  start(workload: string, phases: number): void
  /** Overall progress of the current workload (0..1) and the phase running. */
  update(fraction: number, phase: string): void
  /** The workload ended (error: it failed). */
  end(workload: string, elapsedMs: number, error?: Error): void
}

const BAR_WIDTH = 28
const REDRAW_MS = 80

/**
 * A live bar per workload on a TTY (redrawn in place), plain lines otherwise (one per phase), so logs of CI
 * runs stay readable.
 */
export function createProgressReporter(
  out: Writable & { isTTY?: boolean; columns?: number },
): ProgressReporter {
  const tty = out.isTTY === true
  let workload = ''
  let lastPhase = ''
  let lastDraw = 0
  return {
    start(w, phases) {
      workload = w
      lastPhase = ''
      if (!tty) out.write(`${w}: ${phases} phase${phases === 1 ? '' : 's'}\n`)
    },
    update(fraction, phase) {
      if (!tty) {
        if (phase !== lastPhase) out.write(`  ${w(workload)} ${phase}\n`)
        lastPhase = phase
        return
      }
      const now = Date.now()
      if (now - lastDraw < REDRAW_MS && phase === lastPhase) return
      lastDraw = now
      lastPhase = phase
      const f = Math.min(1, Math.max(0, fraction))
      const filled = Math.round(f * BAR_WIDTH)
      const line = `${workload.padEnd(18)} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${phase}`
      out.write(`\r\x1b[2K${line.slice(0, (out.columns ?? 120) - 1)}`)
    },
    end(w0, ms, error) {
      const status = error ? `FAILED: ${error.message}` : `done in ${(ms / 1000).toFixed(1)} s`
      if (tty) out.write(`\r\x1b[2K${w0.padEnd(18)} ${status}\n`)
      else out.write(`${w0}: ${status}\n`)
    },
  }
}

function w(s: string): string {
  return `[${s}]`
}

/** A reporter that says nothing. */
export const silentProgress: ProgressReporter = { start() {}, update() {}, end() {} }
