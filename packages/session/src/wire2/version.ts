/**
 * The version checks of the reference's 2.x handshake (WIRE-2.md §2). 2.0.0rc1 reads only `v` and requires
 * 2.0.0 after normalising it; 2.0.3+ / 3.x read only `pv` and require major 1. We accept a peer either would.
 */

/**
 * `v` as 2.0.0rc1 reads it: a leading `v` stripped, the first three dot-separated parts, each part's trailing
 * non-digits dropped (`"2.0.0rc1"` → [2, 0, 0]). Null when it does not read as three integers.
 */
export function parseReferenceVersion(v: unknown): [number, number, number] | null {
  if (typeof v !== 'string') return null
  const parts = v.replace(/^v/, '').split('.').slice(0, 3)
  if (parts.length < 3) return null
  const out: number[] = []
  for (const p of parts) {
    const digits = /^\d+/.exec(p)
    if (digits === null) return null
    out.push(Number(digits[0]))
  }
  return out as [number, number, number]
}

/** `pv` as 3.x reads it: exactly `MAJOR.MINOR` integers. Null otherwise. */
export function parseProtocolVersion(pv: unknown): [number, number] | null {
  if (typeof pv !== 'string') return null
  const m = /^(\d+)\.(\d+)$/.exec(pv)
  return m === null ? null : [Number(m[1]), Number(m[2])]
}

/** Whether a peer's hello / reply is one we speak to: `pv` with major 1, or a `v` that reads as 2.0.0. */
export function peerVersionAccepted(message: { v?: unknown; pv?: unknown }): boolean {
  const pv = parseProtocolVersion(message.pv)
  if (pv !== null) return pv[0] === 1
  const v = parseReferenceVersion(message.v)
  return v !== null && v[0] === 2 && v[1] === 0 && v[2] === 0
}
