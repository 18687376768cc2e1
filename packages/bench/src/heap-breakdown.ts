import { getHeapSnapshot } from 'node:v8'

/** Self size and count of the heap's objects, per kind ("Session", "closure onFrame", "(array)", …). */
export type HeapBreakdown = Record<string, { bytes: number; count: number }>

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }
  nodes: number[]
  strings: string[]
}

/**
 * Takes a V8 heap snapshot of this process and adds up self sizes per constructor (objects), per function
 * name (closures), and per V8 type for the rest. Call after a GC; costs a snapshot (hundreds of ms).
 */
export async function heapBreakdown(): Promise<HeapBreakdown> {
  const chunks: string[] = []
  for await (const chunk of getHeapSnapshot()) chunks.push(String(chunk))
  const s = JSON.parse(chunks.join('')) as Snapshot
  const fields = s.snapshot.meta.node_fields
  const types = s.snapshot.meta.node_types[0]
  const width = fields.length
  const iType = fields.indexOf('type')
  const iName = fields.indexOf('name')
  const iSize = fields.indexOf('self_size')
  const out: HeapBreakdown = {}
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]!]
    const name = s.strings[s.nodes[i + iName]!] ?? ''
    const key =
      type === 'object' ? name : type === 'closure' ? `closure ${name || '(anonymous)'}` : `(${type})`
    const e = (out[key] ??= { bytes: 0, count: 0 })
    e.bytes += s.nodes[i + iSize]!
    e.count++
  }
  return out
}

/** What grew between two breakdowns, per connection, largest first; entries under `minBytes` are left out. */
export function breakdownDelta(
  before: HeapBreakdown,
  after: HeapBreakdown,
  connections: number,
  minBytes = 16,
): { name: string; bytes: number; count: number }[] {
  const rows: { name: string; bytes: number; count: number }[] = []
  for (const [name, a] of Object.entries(after)) {
    const b = before[name] ?? { bytes: 0, count: 0 }
    const bytes = (a.bytes - b.bytes) / connections
    if (bytes >= minBytes) rows.push({ name, bytes, count: (a.count - b.count) / connections })
  }
  return rows.sort((x, y) => y.bytes - x.bytes)
}
