import { parseArgs } from 'node:util'
import {
  DEFAULT_BROADCAST_CLIENTS,
  DEFAULT_BROADCAST_MESSAGES,
  DEFAULT_BURST_COUNT,
  DEFAULT_FPS_CONFIGS,
  DEFAULT_FPS_SECONDS,
  DEFAULT_LATENCY_COUNT,
  DEFAULT_LATENCY_WARMUP,
  DEFAULT_MEMORY_CLIENTS,
  DEFAULT_MESSAGE_SIZE,
  DEFAULT_REGRESSION_THRESHOLD,
  DEFAULT_REPEAT,
  DEFAULT_SCALE_CONNECTIONS,
  DEFAULT_SCALE_IDLE_CONNECTIONS,
  DEFAULT_SIZE_PLAN,
  DEFAULT_STRESS_CLIENTS,
  DEFAULT_STRESS_MESSAGES,
  DEFAULT_THROUGHPUT_WARMUP,
  DEFAULT_WORKER_FRAMES,
  QUICK_BROADCAST_CLIENTS,
  QUICK_BROADCAST_MESSAGES,
  QUICK_BURST_COUNT,
  QUICK_FPS_CONFIGS,
  QUICK_FPS_SECONDS,
  QUICK_LATENCY_COUNT,
  QUICK_LATENCY_WARMUP,
  QUICK_MEMORY_CLIENTS,
  QUICK_SCALE_CONNECTIONS,
  QUICK_SCALE_IDLE_CONNECTIONS,
  QUICK_SIZE_PLAN,
  QUICK_STRESS_CLIENTS,
  QUICK_STRESS_MESSAGES,
  QUICK_THROUGHPUT_WARMUP,
  QUICK_WORKER_FRAMES,
} from './constants.js'
import { UsageError } from './errors.js'
import { DEFAULT_SOAK, type SoakOptions } from './soak.js'

/** The workloads, in the order a full run executes them. */
export const WORKLOADS = [
  'memory',
  'latency',
  'fps',
  'burst',
  'stress',
  'throughput-by-size',
  'broadcast',
  'scale',
  'worker-core',
  'websocket',
  'cluster',
] as const
export type WorkloadName = (typeof WORKLOADS)[number]
/** Veltix's server socket core. */
export type CoreName = 'loop' | 'worker'

/** Everything a run needs. Build one with `resolveOptions` (all fields optional there). */
export interface BenchOptions {
  only: WorkloadName[]
  cores: CoreName[]
  quick: boolean
  /** Server and client in the calling process instead of two forked ones (tests, debugging; memory figures then mean little). */
  inProcess: boolean
  /** Skip the baseline runs (then no ratios). */
  noBaseline: boolean
  /** Skip the Veltix runs (the baseline alone, e.g. to calibrate a machine). */
  noVeltix: boolean
  latencyWarmup: number
  latencyCount: number
  burstCount: number
  /** Burst and stress: unmeasured messages sent first on the same connections (0: measure cold). */
  throughputWarmup: number
  messageSize: number
  stressClients: number
  stressMessages: number
  memoryClients: number
  connections: number
  fpsSeconds: number
  fpsConfigs: { players: number; hz: number }[]
  sizePlan: { size: number; count: number }[]
  /** Runs of each workload (the runs alternate baseline and Veltix). */
  repeat: number
  /**
   * How repeated runs combine: the median, or the best run of each figure (highest rate, lowest time). Noise
   * on a shared machine only ever slows a run down, so "best" estimates what the code can do.
   */
  aggregate: 'median' | 'best'
  /** Memory: also break the heap per connection down by constructor (heap snapshots; slow). */
  heapBreakdown: boolean
  /** Directory for V8 CPU profiles of the child processes (`--cpu-prof`), or undefined. */
  cpuProf: string | undefined
  /** Burst and latency also run socket.io 4.8 and zeromq 6 (`--peers`). */
  peers: boolean
  /** Broadcast: connected clients and broadcast messages. */
  broadcastClients: number
  broadcastMessages: number
  /** Scale: idle connections in one server process. */
  scaleConnections: number
  /** Worker-core workload: 1 MiB frames measured. */
  workerFrames: number
}

/** What the CLI does besides running. */
export interface CliOptions {
  bench: BenchOptions
  save: string | undefined
  compare: string | undefined
  html: string | undefined
  threshold: number
  json: boolean
  help: boolean
  /** `--compare` alone with `--against new.json`: compare two files without running anything. */
  against: string | undefined
  /** `--soak SECONDS` (with `--soak-clients`, `--resume`): the soak run instead of the workloads. */
  soak: SoakOptions | undefined
}

/** Fills every field of BenchOptions from its default (or its `--quick` default). */
export function resolveOptions(partial: Partial<BenchOptions> = {}): BenchOptions {
  const quick = partial.quick ?? false
  const opts: BenchOptions = {
    only: partial.only ?? [...WORKLOADS],
    cores: partial.cores ?? ['loop'],
    quick,
    inProcess: partial.inProcess ?? false,
    noBaseline: partial.noBaseline ?? false,
    noVeltix: partial.noVeltix ?? false,
    latencyWarmup: partial.latencyWarmup ?? (quick ? QUICK_LATENCY_WARMUP : DEFAULT_LATENCY_WARMUP),
    latencyCount: partial.latencyCount ?? (quick ? QUICK_LATENCY_COUNT : DEFAULT_LATENCY_COUNT),
    burstCount: partial.burstCount ?? (quick ? QUICK_BURST_COUNT : DEFAULT_BURST_COUNT),
    throughputWarmup:
      partial.throughputWarmup ?? (quick ? QUICK_THROUGHPUT_WARMUP : DEFAULT_THROUGHPUT_WARMUP),
    messageSize: partial.messageSize ?? DEFAULT_MESSAGE_SIZE,
    stressClients: partial.stressClients ?? (quick ? QUICK_STRESS_CLIENTS : DEFAULT_STRESS_CLIENTS),
    stressMessages: partial.stressMessages ?? (quick ? QUICK_STRESS_MESSAGES : DEFAULT_STRESS_MESSAGES),
    memoryClients: partial.memoryClients ?? (quick ? QUICK_MEMORY_CLIENTS : DEFAULT_MEMORY_CLIENTS),
    connections: partial.connections ?? (quick ? QUICK_SCALE_CONNECTIONS : DEFAULT_SCALE_CONNECTIONS),
    fpsSeconds: partial.fpsSeconds ?? (quick ? QUICK_FPS_SECONDS : DEFAULT_FPS_SECONDS),
    fpsConfigs:
      partial.fpsConfigs ?? (quick ? QUICK_FPS_CONFIGS : DEFAULT_FPS_CONFIGS).map((c) => ({ ...c })),
    sizePlan: partial.sizePlan ?? (quick ? QUICK_SIZE_PLAN : DEFAULT_SIZE_PLAN).map((s) => ({ ...s })),
    repeat: partial.repeat ?? (quick ? 1 : DEFAULT_REPEAT),
    aggregate: partial.aggregate ?? 'median',
    heapBreakdown: partial.heapBreakdown ?? false,
    cpuProf: partial.cpuProf,
    peers: partial.peers ?? false,
    broadcastClients:
      partial.broadcastClients ?? (quick ? QUICK_BROADCAST_CLIENTS : DEFAULT_BROADCAST_CLIENTS),
    broadcastMessages:
      partial.broadcastMessages ?? (quick ? QUICK_BROADCAST_MESSAGES : DEFAULT_BROADCAST_MESSAGES),
    scaleConnections:
      partial.scaleConnections ?? (quick ? QUICK_SCALE_IDLE_CONNECTIONS : DEFAULT_SCALE_IDLE_CONNECTIONS),
    workerFrames: partial.workerFrames ?? (quick ? QUICK_WORKER_FRAMES : DEFAULT_WORKER_FRAMES),
  }
  validate(opts)
  return opts
}

function validate(o: BenchOptions): void {
  for (const w of o.only) if (!WORKLOADS.includes(w)) throw new UsageError(`unknown workload "${w}"`)
  if (o.only.length === 0) throw new UsageError('no workload selected')
  if (o.noBaseline && o.noVeltix) throw new UsageError('--no-baseline and --no-veltix leave nothing to run')
  if (o.aggregate !== 'median' && o.aggregate !== 'best') {
    throw new UsageError(`aggregate must be median or best, got "${o.aggregate}"`)
  }
  for (const c of o.cores) if (c !== 'loop' && c !== 'worker') throw new UsageError(`unknown core "${c}"`)
  // [name, value, smallest allowed]: warm-ups may be 0 (measure cold), every other count at least 1.
  const counts: [string, number, number][] = [
    ['latency warm-up', o.latencyWarmup, 0],
    ['latency count', o.latencyCount, 1],
    ['burst count', o.burstCount, 1],
    ['throughput warm-up', o.throughputWarmup, 0],
    ['stress clients', o.stressClients, 1],
    ['stress messages', o.stressMessages, 1],
    ['memory clients', o.memoryClients, 1],
    ['connections', o.connections, 1],
    ['repeat', o.repeat, 1],
    ['broadcast clients', o.broadcastClients, 1],
    ['broadcast messages', o.broadcastMessages, 1],
    ['scale connections', o.scaleConnections, 1],
    ['worker frames', o.workerFrames, 1],
  ]
  for (const [name, n, min] of counts) {
    if (!Number.isSafeInteger(n) || n < min) {
      throw new UsageError(`${name} must be an integer >= ${min}, got ${n}`)
    }
  }
  if (!Number.isSafeInteger(o.messageSize) || o.messageSize < 8) {
    throw new UsageError(`message size must be an integer >= 8 bytes, got ${o.messageSize}`)
  }
  if (!(o.fpsSeconds > 0)) throw new UsageError(`fps seconds must be > 0, got ${o.fpsSeconds}`)
}

const USAGE = `usage: veltix-bench [options]

Runs Veltix and a raw node:net baseline (same framing and CRC-32, writes batched per tick) in the same
invocation and reports Veltix's figures as ratios of the baseline's.

  --only W...          workloads: ${WORKLOADS.join(' ')} (default: all)
  --core C             loop | worker | both: Veltix server socket core (default: loop)
  --quick              a short smoke run
  --connections N      memory scale run: concurrent connections (default ${DEFAULT_SCALE_CONNECTIONS})
  --clients N          memory: the "N clients" figure (default ${DEFAULT_MEMORY_CLIENTS})
  --count N            latency: measured round trips (default ${DEFAULT_LATENCY_COUNT})
  --warmup N           latency: warm-up round trips (default ${DEFAULT_LATENCY_WARMUP})
  --burst N            burst: messages (default ${DEFAULT_BURST_COUNT})
  --throughput-warmup N  burst, stress: unmeasured messages sent first (default ${DEFAULT_THROUGHPUT_WARMUP}; 0 = cold)
  --size B             payload bytes for latency/burst/stress (default ${DEFAULT_MESSAGE_SIZE})
  --stress-clients N   stress: clients (default ${DEFAULT_STRESS_CLIENTS})
  --stress-messages N  stress: messages per client (default ${DEFAULT_STRESS_MESSAGES})
  --fps-seconds S      fps: seconds per configuration (default ${DEFAULT_FPS_SECONDS})
  --broadcast-clients N  broadcast: connected clients (default ${DEFAULT_BROADCAST_CLIENTS})
  --broadcast-messages N broadcast: messages broadcast to all (default ${DEFAULT_BROADCAST_MESSAGES})
  --scale-connections N  scale: idle connections in one server (default ${DEFAULT_SCALE_IDLE_CONNECTIONS})
  --worker-frames N    worker-core: 1 MiB frames measured (default ${DEFAULT_WORKER_FRAMES})
  --peers              burst, latency: also socket.io 4.8 and zeromq 6, same run
  --repeat N           runs per workload, median reported (default ${DEFAULT_REPEAT}, 1 with --quick)
  --aggregate A        median | best: how repeated runs combine (default median)
  --no-baseline        skip the baseline (no ratios)
  --no-veltix          skip Veltix (the baseline alone)
  --in-process         server and client in this process (debugging; memory figures mean little)
  --save FILE          write figures, ratios and environment as JSON
  --compare OLD        print the change of each figure against a saved run
  --against NEW        with --compare: compare two saved files, run nothing
  --threshold P        --compare: percent change that counts as a regression (default ${DEFAULT_REGRESSION_THRESHOLD})
  --html FILE          write a self-contained HTML report with charts
  --heap-breakdown     memory: what a connection costs, per constructor (heap snapshots)
  --cpu-prof DIR       write V8 CPU profiles of the child processes to DIR and print the top functions
  --soak S             the soak run alone: S seconds of numbered messages through random faults (see README)
  --soak-clients N     soak: clients (default ${DEFAULT_SOAK.clients}, over ${DEFAULT_SOAK.processes} processes)
  --resume             soak: resumable connections on (resume: true / server resume: {...})
  --json               print the results as JSON instead of the table
  -h, --help           this text`

/** The `--help` text. */
export function usage(): string {
  return USAGE
}

/** Parses `veltix-bench` arguments. Throws `UsageError` on anything it does not understand. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof SPEC; allowPositionals: true; strict: true }>>
  try {
    parsed = parseArgs({ args: [...argv], options: SPEC, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values: v, positionals } = parsed
  // `--only memory latency` : the words after --only arrive as positionals.
  let only: WorkloadName[] | undefined
  if (v.only !== undefined) {
    const words = [...v.only, ...positionals].flatMap((s) => s.split(',')).filter((s) => s.length > 0)
    for (const w of words)
      if (!(WORKLOADS as readonly string[]).includes(w)) throw new UsageError(`unknown workload "${w}"`)
    only = [...new Set(words as WorkloadName[])]
  } else if (positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}"`)
  }
  let cores: CoreName[] | undefined
  if (v.core !== undefined) {
    if (v.core === 'both') cores = ['loop', 'worker']
    else if (v.core === 'loop' || v.core === 'worker') cores = [v.core]
    else throw new UsageError(`--core must be loop, worker or both, got "${v.core}"`)
  }
  const threshold = v.threshold === undefined ? DEFAULT_REGRESSION_THRESHOLD : num('--threshold', v.threshold)
  if (!(threshold >= 0)) throw new UsageError(`--threshold must be >= 0, got ${v.threshold}`)
  if (v.against !== undefined && v.compare === undefined)
    throw new UsageError('--against needs --compare OLD')
  const partial: Partial<BenchOptions> = {
    quick: v.quick ?? false,
    inProcess: v['in-process'] ?? false,
    noBaseline: v['no-baseline'] ?? false,
    noVeltix: v['no-veltix'] ?? false,
    heapBreakdown: v['heap-breakdown'] ?? false,
    cpuProf: v['cpu-prof'],
    peers: v.peers ?? false,
  }
  if (v['broadcast-clients'] !== undefined)
    partial.broadcastClients = int('--broadcast-clients', v['broadcast-clients'])
  if (v['broadcast-messages'] !== undefined)
    partial.broadcastMessages = int('--broadcast-messages', v['broadcast-messages'])
  if (v['scale-connections'] !== undefined)
    partial.scaleConnections = int('--scale-connections', v['scale-connections'])
  if (v['worker-frames'] !== undefined) partial.workerFrames = int('--worker-frames', v['worker-frames'])
  if (only) partial.only = only
  if (cores) partial.cores = cores
  if (v.connections !== undefined) partial.connections = int('--connections', v.connections)
  if (v.clients !== undefined) partial.memoryClients = int('--clients', v.clients)
  if (v.count !== undefined) partial.latencyCount = int('--count', v.count)
  if (v.warmup !== undefined) partial.latencyWarmup = int('--warmup', v.warmup)
  if (v.burst !== undefined) partial.burstCount = int('--burst', v.burst)
  if (v['throughput-warmup'] !== undefined)
    partial.throughputWarmup = int('--throughput-warmup', v['throughput-warmup'])
  if (v.size !== undefined) partial.messageSize = int('--size', v.size)
  if (v['stress-clients'] !== undefined) partial.stressClients = int('--stress-clients', v['stress-clients'])
  if (v['stress-messages'] !== undefined)
    partial.stressMessages = int('--stress-messages', v['stress-messages'])
  if (v.repeat !== undefined) partial.repeat = int('--repeat', v.repeat)
  if (v.aggregate !== undefined) {
    if (v.aggregate !== 'median' && v.aggregate !== 'best') {
      throw new UsageError(`--aggregate must be median or best, got "${v.aggregate}"`)
    }
    partial.aggregate = v.aggregate
  }
  if (v['fps-seconds'] !== undefined) partial.fpsSeconds = num('--fps-seconds', v['fps-seconds'])
  return {
    bench: resolveOptions(partial),
    save: v.save,
    compare: v.compare,
    against: v.against,
    html: v.html,
    threshold,
    json: v.json ?? false,
    help: v.help ?? false,
    soak: v.soak === undefined ? undefined : soakOptions(v),
  }
}

function soakOptions(v: { soak?: string; 'soak-clients'?: string; resume?: boolean }): SoakOptions {
  const seconds = num('--soak', v.soak!)
  const clients =
    v['soak-clients'] === undefined ? DEFAULT_SOAK.clients : int('--soak-clients', v['soak-clients'])
  if (!(seconds > 0)) throw new UsageError(`--soak needs seconds > 0, got ${v.soak}`)
  if (!(clients > 0)) throw new UsageError(`--soak-clients needs N > 0, got ${v['soak-clients']}`)
  return {
    ...DEFAULT_SOAK,
    seconds,
    clients,
    processes: Math.min(DEFAULT_SOAK.processes, clients),
    resume: v.resume ?? false,
  }
}

const SPEC = {
  only: { type: 'string', multiple: true },
  core: { type: 'string' },
  quick: { type: 'boolean' },
  connections: { type: 'string' },
  clients: { type: 'string' },
  count: { type: 'string' },
  warmup: { type: 'string' },
  burst: { type: 'string' },
  size: { type: 'string' },
  'stress-clients': { type: 'string' },
  'stress-messages': { type: 'string' },
  'throughput-warmup': { type: 'string' },
  'fps-seconds': { type: 'string' },
  'no-baseline': { type: 'boolean' },
  repeat: { type: 'string' },
  aggregate: { type: 'string' },
  'no-veltix': { type: 'boolean' },
  'in-process': { type: 'boolean' },
  save: { type: 'string' },
  compare: { type: 'string' },
  against: { type: 'string' },
  threshold: { type: 'string' },
  html: { type: 'string' },
  'cpu-prof': { type: 'string' },
  'heap-breakdown': { type: 'boolean' },
  peers: { type: 'boolean' },
  'broadcast-clients': { type: 'string' },
  'broadcast-messages': { type: 'string' },
  'scale-connections': { type: 'string' },
  'worker-frames': { type: 'string' },
  soak: { type: 'string' },
  'soak-clients': { type: 'string' },
  resume: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

function num(flag: string, s: string): number {
  const n = Number(s)
  if (s.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} needs a number, got "${s}"`)
  return n
}

function int(flag: string, s: string): number {
  const n = num(flag, s.replaceAll('_', ''))
  if (!Number.isSafeInteger(n)) throw new UsageError(`${flag} needs an integer, got "${s}"`)
  return n
}
