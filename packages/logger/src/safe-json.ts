const MAX_DEPTH = 8

/**
 * JSON for a log context that never throws: circular references become `"[Circular]"`, BigInt a decimal string,
 * Errors `{ name, message, stack, cause, …own fields }`, binary data `"[Uint8Array(n)]"`, Maps objects, Sets arrays,
 * nesting past 8 levels `"[Object]"`/`"[Array]"`.
 */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(normalize(value, [], 0)) ?? 'null'
  } catch (err) {
    return JSON.stringify(`[unserializable: ${err instanceof Error ? err.message : String(err)}]`)
  }
}

function normalize(value: unknown, ancestors: object[], depth: number): unknown {
  switch (typeof value) {
    case 'bigint':
      return value.toString()
    case 'symbol':
      return value.toString()
    case 'function':
      return `[Function ${value.name || 'anonymous'}]`
    case 'object':
      break
    default:
      return value
  }
  if (value === null) return null
  if (ancestors.includes(value)) return '[Circular]'
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name}(${value.byteLength})]`
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? '[Array]' : '[Object]'
  ancestors.push(value)
  try {
    if (value instanceof Error) {
      const out: Record<string, unknown> = { name: value.name, message: value.message }
      if (value.stack !== undefined) out.stack = value.stack
      if (value.cause !== undefined) out.cause = normalize(value.cause, ancestors, depth + 1)
      copyFields(value, out, ancestors, depth)
      return out
    }
    if (Array.isArray(value)) return value.map((v) => normalize(v, ancestors, depth + 1) ?? null)
    if (value instanceof Map) {
      const out: Record<string, unknown> = {}
      for (const [k, v] of value) out[String(k)] = normalize(v, ancestors, depth + 1)
      return out
    }
    if (value instanceof Set) return [...value].map((v) => normalize(v, ancestors, depth + 1) ?? null)
    const toJSON = (value as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function') return normalize(toJSON.call(value), ancestors, depth + 1)
    const out: Record<string, unknown> = {}
    copyFields(value, out, ancestors, depth)
    return out
  } finally {
    ancestors.pop()
  }
}

function copyFields(from: object, to: Record<string, unknown>, ancestors: object[], depth: number): void {
  for (const key of Object.keys(from)) {
    let v: unknown
    try {
      v = (from as Record<string, unknown>)[key]
    } catch (err) {
      v = `[getter threw: ${err instanceof Error ? err.message : String(err)}]`
    }
    to[key] = normalize(v, ancestors, depth + 1)
  }
}
