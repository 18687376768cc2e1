import { readFile, writeFile } from 'node:fs/promises'
import { RESULTS_SCHEMA } from './constants.js'
import { ResultsFormatError } from './errors.js'
import { IMPL_NAMES } from './impl/types.js'
import { WORKLOADS } from './options.js'
import type { BenchResults } from './results.js'

type Schema = {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean'
  required?: string[]
  properties?: Record<string, Schema>
  items?: Schema
  enum?: readonly unknown[]
  const?: unknown
  description?: string
  $schema?: string
  $id?: string
  title?: string
}

const figure: Schema = {
  type: 'object',
  required: ['workload', 'impl', 'core', 'name', 'value', 'unit', 'better'],
  properties: {
    workload: { enum: WORKLOADS },
    impl: { enum: IMPL_NAMES },
    core: { enum: ['loop', 'worker'] },
    name: { type: 'string' },
    value: { type: 'number' },
    unit: { enum: ['us', 'ms', 'msg/s', 'rt/s', 'MB/s', 'bytes', '%', 'conn/s', 'count'] },
    better: { enum: ['higher', 'lower'] },
    samples: { type: 'array', items: { type: 'number' } },
  },
}

/** JSON Schema (draft 2020-12) of the files `--save` writes. `validateResults` enforces it. */
export const RESULTS_JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://veltix.dev/schemas/bench-results-1.json',
  title: 'Veltix benchmark results',
  type: 'object',
  required: ['schema', 'date', 'durationMs', 'env', 'options', 'figures', 'ratios', 'targets', 'errors'],
  properties: {
    schema: { const: RESULTS_SCHEMA },
    date: { type: 'string', description: 'ISO 8601 start time' },
    durationMs: { type: 'number' },
    env: {
      type: 'object',
      required: ['node', 'v8', 'platform', 'arch', 'cpuModel', 'cores', 'totalMemory'],
      properties: {
        node: { type: 'string' },
        v8: { type: 'string' },
        platform: { type: 'string' },
        arch: { type: 'string' },
        cpuModel: { type: 'string' },
        cores: { type: 'integer' },
        totalMemory: { type: 'number' },
      },
    },
    options: {
      type: 'object',
      required: ['only', 'cores', 'quick', 'repeat'],
      properties: {
        repeat: { type: 'integer' },
        aggregate: { enum: ['median', 'best'] },
        only: { type: 'array', items: { enum: WORKLOADS } },
        cores: { type: 'array', items: { enum: ['loop', 'worker'] } },
        quick: { type: 'boolean' },
      },
    },
    figures: { type: 'array', items: figure },
    ratios: {
      type: 'array',
      items: {
        type: 'object',
        required: ['workload', 'core', 'name', 'baselineName', 'value', 'better'],
        properties: {
          workload: { enum: WORKLOADS },
          core: { enum: ['loop', 'worker'] },
          name: { type: 'string' },
          baselineName: { type: 'string' },
          reference: { enum: ['raw4', 'veltix-loop'] },
          value: { type: 'number' },
          better: { enum: ['higher', 'lower'] },
        },
      },
    },
    targets: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'description', 'value', 'op', 'limit', 'pass'],
        properties: {
          id: { type: 'string' },
          description: { type: 'string' },
          value: { type: 'number' },
          op: { enum: ['>=', '<=', '=='] },
          limit: { type: 'number' },
          pass: { type: 'boolean' },
        },
      },
    },
    breakdowns: {
      type: 'array',
      items: {
        type: 'object',
        required: ['impl', 'core', 'side', 'connections', 'rows'],
        properties: {
          impl: { enum: IMPL_NAMES },
          core: { enum: ['loop', 'worker'] },
          side: { enum: ['server', 'client'] },
          connections: { type: 'number' },
          rows: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'bytes', 'count'],
              properties: { name: { type: 'string' }, bytes: { type: 'number' }, count: { type: 'number' } },
            },
          },
        },
      },
    },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['workload', 'message'],
        properties: { workload: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const satisfies Schema

/** Checks `value` against the schema subset used here; returns the problems (empty when valid). */
export function schemaErrors(value: unknown, schema: Schema = RESULTS_JSON_SCHEMA, path = '$'): string[] {
  const errs: string[] = []
  if ('const' in schema && value !== schema.const)
    errs.push(`${path}: must be ${JSON.stringify(schema.const)}`)
  if (schema.enum && !schema.enum.includes(value))
    errs.push(`${path}: must be one of ${schema.enum.join(', ')}`)
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${path}: must be an object`]
      const o = value as Record<string, unknown>
      for (const k of schema.required ?? []) if (!(k in o)) errs.push(`${path}: missing "${k}"`)
      for (const [k, s] of Object.entries(schema.properties ?? {}))
        if (k in o) errs.push(...schemaErrors(o[k], s, `${path}.${k}`))
      break
    }
    case 'array':
      if (!Array.isArray(value)) return [`${path}: must be an array`]
      if (schema.items) {
        for (let i = 0; i < value.length; i++)
          errs.push(...schemaErrors(value[i], schema.items, `${path}[${i}]`))
      }
      break
    case 'string':
      if (typeof value !== 'string') errs.push(`${path}: must be a string`)
      break
    case 'boolean':
      if (typeof value !== 'boolean') errs.push(`${path}: must be a boolean`)
      break
    case 'number':
      // NaN and Infinity are written as null by JSON: a figure that could not be measured.
      if (typeof value !== 'number' && value !== null) errs.push(`${path}: must be a number`)
      break
    case 'integer':
      if (!Number.isInteger(value)) errs.push(`${path}: must be an integer`)
      break
  }
  return errs
}

/** Throws ResultsFormatError unless `value` follows the results schema. */
export function validateResults(value: unknown, source = 'results'): BenchResults {
  const errs = schemaErrors(value)
  if (errs.length > 0) {
    const more = errs.length > 5 ? ` (and ${errs.length - 5} more)` : ''
    throw new ResultsFormatError(
      `${source} is not a veltix-bench results file: ${errs.slice(0, 5).join('; ')}${more}`,
    )
  }
  return value as BenchResults
}

/** Writes results as pretty JSON. */
export async function saveResults(path: string, results: BenchResults): Promise<void> {
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`)
}

/** Reads and validates a results file; ResultsFormatError when it is not one. */
export async function loadResults(path: string): Promise<BenchResults> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ResultsFormatError(`cannot read ${path}: ${(err as Error).message}`, { cause: err })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new ResultsFormatError(`${path} is not JSON: ${(err as Error).message}`, { cause: err })
  }
  return validateResults(parsed, path)
}
