/**
 * JSON as Python's `json.dumps` writes it by default (`", "` / `": "` separators, non-ASCII as `\uXXXX`), so
 * the handshake messages we send are the bytes the reference sends for the same object. Receivers only parse
 * JSON, so this is for byte-exact transcripts, not for interoperability. Key order is insertion order.
 */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return asciiString(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot send ${value} in a handshake message`)
    return String(value)
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`
  if (typeof value === 'object') {
    const parts: string[] = []
    for (const [k, v] of Object.entries(value))
      if (v !== undefined) parts.push(`${asciiString(k)}: ${pythonJson(v)}`)
    return `{${parts.join(', ')}}`
  }
  throw new TypeError(`cannot send a ${typeof value} in a handshake message`)
}

function asciiString(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
