import { getHeapSnapshot } from 'node:v8'

/** Self size and count of the heap's objects, per kind ("Session", "(array) ← Session.#pending", …). */
export type HeapBreakdown = Record<string, { bytes: number; count: number }>

interface Snapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] }
  }
  nodes: number[]
  edges: number[]
  strings: string[]
}

/** Kinds that say nothing by themselves: they are named after what holds them. */
const GENERIC = new Set([
  'Object',
  'Array',
  'Map',
  'Set',
  'system / Context',
  '(array)',
  '(hidden)',
  '(object shape)',
])
const MAX_OWNER_DEPTH = 3

/**
 * Takes a V8 heap snapshot of this process and adds up self sizes per kind: constructor name for objects,
 * function name for closures, V8 type for the rest. Generic kinds (plain objects, arrays, maps, contexts)
 * are named after their first retainer chain, up to a named object: "(array) ← Map ← PendingTable.#byId".
 * Call after a GC; costs a snapshot (hundreds of ms).
 */
export async function heapBreakdown(): Promise<HeapBreakdown> {
  const chunks: string[] = []
  for await (const chunk of getHeapSnapshot()) chunks.push(String(chunk))
  const s = JSON.parse(chunks.join('')) as Snapshot
  const { node_fields: nf, node_types: nt, edge_fields: ef, edge_types: et } = s.snapshot.meta
  const W = nf.length
  const E = ef.length
  const iType = nf.indexOf('type')
  const iName = nf.indexOf('name')
  const iSize = nf.indexOf('self_size')
  const iEdges = nf.indexOf('edge_count')
  const eType = ef.indexOf('type')
  const eName = ef.indexOf('name_or_index')
  const eTo = ef.indexOf('to_node')
  const nodeTypes = nt[0]
  const edgeTypes = et[0]
  const nodeCount = s.nodes.length / W

  const kindOf = (n: number): string => {
    const type = nodeTypes[s.nodes[n * W + iType]!]
    const name = s.strings[s.nodes[n * W + iName]!] ?? ''
    return type === 'object' ? name : type === 'closure' ? `closure ${name || '(anonymous)'}` : `(${type})`
  }

  // First strong retainer of each node, and the edge's name.
  const parent = new Int32Array(nodeCount).fill(-1)
  const parentEdge: (string | undefined)[] = new Array(nodeCount)
  let e = 0
  for (let n = 0; n < nodeCount; n++) {
    const count = s.nodes[n * W + iEdges]!
    for (let k = 0; k < count; k++, e += E) {
      const type = edgeTypes[s.edges[e + eType]!]
      if (type === 'weak' || type === 'shortcut') continue
      const to = s.edges[e + eTo]! / W
      if (parent[to] !== -1) continue
      parent[to] = n
      const raw = s.edges[e + eName]!
      parentEdge[to] = type === 'element' || type === 'hidden' ? `[${raw}]` : (s.strings[raw] ?? '')
    }
  }

  const out: HeapBreakdown = {}
  for (let n = 0; n < nodeCount; n++) {
    let key = kindOf(n)
    if (GENERIC.has(key) || key.startsWith('closure ')) {
      let cur = n
      for (let depth = 0; depth < MAX_OWNER_DEPTH; depth++) {
        const p = parent[cur]!
        if (p < 0) break
        const pk = kindOf(p)
        key += depth === 0 ? ` ← ${pk}.${parentEdge[cur]}` : ` ← ${pk}`
        if (!GENERIC.has(pk)) break
        cur = p
      }
    }
    let entry = out[key]
    if (entry === undefined) {
      entry = { bytes: 0, count: 0 }
      out[key] = entry
    }
    entry.bytes += s.nodes[n * W + iSize]!
    entry.count++
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
