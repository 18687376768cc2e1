const MAX_DEPTH = 8

/**
 * JSON for a log context that never throws: circular references become `"[Circular]"`, BigInt a decimal string,
 * Errors `{ name, message, stack, cause, …own fields }`, binary data `"[Uint8Array(n)]"`, Maps objects, Sets arrays,
 * nesting past 8 levels `"[Object]"`/`"[Array]"`.
 */
export function safeJson(value: unknown): string {
  // Fast path: the usual context (plain objects, arrays, strings, numbers, booleans) needs no normalizing.
  try {
    if (isPlain(value, 0)) return JSON.stringify(value) ?? 'null'
  } catch {
    // a getter or proxy threw: the careful path below reports it
  }
  try {
    return JSON.stringify(normalize(value, [], 0)) ?? 'null'
  } catch (err) {
    return JSON.stringify(`[unserializable: ${err instanceof Error ? err.message : String(err)}]`)
  }
}

const PLAIN_DEPTH = 3

/** Plain data JSON.stringify renders faithfully and cannot throw on (bounded depth, so no cycle). */
function isPlain(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return true
    case 'object':
      break
    default:
      return false
  }
  if (value === null) return true
  if (depth >= PLAIN_DEPTH) return false
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isPlain(value[i], depth + 1)) return false
    return true
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return false
  // biome-ignore lint/suspicious/noExplicitAny: indexing a plain object
  const obj = value as Record<string, any>
  if (typeof obj.toJSON === 'function') return false
  for (const key in obj) if (!isPlain(obj[key], depth + 1)) return false
  return true
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
