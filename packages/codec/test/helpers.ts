import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export interface GoldenFrame {
  name: string
  note: string
  code: number
  size: number
  crc32: string
  timestampMs: number
  requestId: string
  payloadHex: string
  frameHex: string
}

export interface Golden {
  timestampMs: number
  frames: GoldenFrame[]
  stream: { note: string; hex: string; frames: string[] }
}

/** The fixture copy of /work/shared/protocol/golden-frames.json (frames produced by Python Veltix 1.6.3). */
export const golden: Golden = JSON.parse(
  readFileSync(fileURLToPath(new URL('./fixtures/golden-frames.json', import.meta.url)), 'utf8'),
)

export function goldenFrame(name: string): GoldenFrame {
  const f = golden.frames.find((g) => g.name === name)
  if (f === undefined) throw new Error(`no golden frame named ${name}`)
  return f
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Splits `bytes` at the given cut points (sorted, deduplicated, in range) into views. */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let prev = 0
  for (const p of points) {
    out.push(bytes.subarray(prev, p))
    prev = p
  }
  out.push(bytes.subarray(prev))
  return out
}

/** Copies each chunk into its own ArrayBuffer, as a socket hands out fresh buffers. */
export function ownBuffers(chunks: Uint8Array[]): Uint8Array[] {
  return chunks.map((c) => Uint8Array.prototype.slice.call(c))
}

/** Xors `mask` into `bytes[index]` (in range). */
export function flip(bytes: Uint8Array, index: number, mask: number): void {
  bytes[index] = bytes[index]! ^ mask
}
