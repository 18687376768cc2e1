import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export interface Wire2GoldenFrame {
  name: string
  flags: number
  code: number
  size: number
  crc32: string
  requestId: number
  payloadHex: string
  frameHex: string
}

export interface Wire2Golden {
  frames: Wire2GoldenFrame[]
  handshake: { name: string; json: string; hex: string; inferred?: boolean }[]
  buffer: {
    name: string
    inputHex: string
    delivered: { code: number; requestId: number; payloadHex: string }[]
  }[]
  transcript: {
    chunks: { seq: number; step: string; direction: string; hex: string }[]
    clientToServer: { hex: string; units: { kind: string; frameHex?: string; hex?: string }[] }
    serverToClient: { hex: string; units: { kind: string; frameHex?: string; hex?: string }[] }
  }
  compat: { name: string; sentHex: string; clientConnect?: boolean; serverOnConnect?: boolean }[]
  vectors3x: {
    vectors: { name: string; hex: string; code: number; payload: string; requestId: number; flags: number }[]
  }
}

/** The fixture copy of /work/shared/protocol/golden-wire2.json (made by running Python Veltix 2.0.0rc1). */
export const golden2: Wire2Golden = JSON.parse(
  readFileSync(fileURLToPath(new URL('./fixtures/golden-wire2.json', import.meta.url)), 'utf8'),
)
