import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { OutputStream } from '../src/index.js'

/** A console stand-in that keeps every line written to it. */
export class MemoryStream implements OutputStream {
  readonly chunks: string[] = []
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk)
    return true
  }
  /** The lines written, without their trailing newline. */
  get lines(): string[] {
    return this.chunks.join('').split('\n').slice(0, -1)
  }
}

/** A fresh temp dir; remove it with `removeTempDir`. */
export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'veltix-logger-test-'))
}

export function removeTempDir(dir: string | undefined): void {
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
}

/** Fixed clock: 2024-05-01 14:23:45.123 local time. */
export const FIXED_TIME = new Date(2024, 4, 1, 14, 23, 45, 123).getTime()
export const fixedClock = (): number => FIXED_TIME
