/** Every default of the suite, named. Full runs use these; `--quick` uses the QUICK_* ones. */

/** Latency: round trips discarded before measuring (JIT warm-up, socket buffers sized). */
export const DEFAULT_LATENCY_WARMUP = 2_000
/** Latency: round trips measured per kind (ping, sendAndWait). */
export const DEFAULT_LATENCY_COUNT = 20_000
/** Burst: messages one client sends as fast as backpressure allows. */
export const DEFAULT_BURST_COUNT = 200_000
/**
 * Burst and stress: messages sent (and counted) on the same connections before the measured run, unmeasured, for
 * both the baseline and Veltix. Without it a 200k-message burst (0.1–0.3 s) mostly measures V8 compiling and
 * re-compiling the send and receive paths (tens of ms per compilation); `--throughput-warmup 0` gives the cold figure.
 */
export const DEFAULT_THROUGHPUT_WARMUP = 50_000
/** Payload size of the "small message" workloads (burst, stress, latency requests). */
export const DEFAULT_MESSAGE_SIZE = 64
/** Stress: concurrent clients. */
export const DEFAULT_STRESS_CLIENTS = 100
/** Stress: messages per client. */
export const DEFAULT_STRESS_MESSAGES = 1_000
/** Memory: clients connected for the "N clients" figure. */
export const DEFAULT_MEMORY_CLIENTS = 1_000
/** Memory: the scale run's concurrent connections (`--connections`). */
export const DEFAULT_SCALE_CONNECTIONS = 10_000
/** How many connects are in flight at once when opening many connections (stays under the listen backlog). */
export const CONNECT_CONCURRENCY = 200
/** FPS: the two game-server configurations (players, ticks per second). */
export const DEFAULT_FPS_CONFIGS: readonly { players: number; hz: number }[] = [
  { players: 64, hz: 64 },
  { players: 128, hz: 20 },
]
/** FPS: simulated seconds per configuration. */
export const DEFAULT_FPS_SECONDS = 5
/** FPS: bytes of one player's state message. */
export const FPS_STATE_BYTES = 32
/** FPS: bytes per player in the world-state broadcast (plus an 8-byte tick header). */
export const FPS_WORLD_BYTES_PER_PLAYER = 16
/** Throughput by size: payload sizes and how many messages each sends (about 13 MB per size minimum). */
export const DEFAULT_SIZE_PLAN: readonly { size: number; count: number }[] = [
  { size: 64, count: 200_000 },
  { size: 1024, count: 50_000 },
  { size: 64 * 1024, count: 2_000 },
  { size: 1024 * 1024, count: 200 },
]

/** Broadcast: connected clients, spread over BROADCAST_PROCESSES client processes. */
export const DEFAULT_BROADCAST_CLIENTS = 1_000
/** Broadcast: messages the server broadcasts (each to every client). */
export const DEFAULT_BROADCAST_MESSAGES = 1_000
/** Broadcast: unmeasured broadcasts first (JIT warm-up on the same connections). */
export const BROADCAST_WARMUP_MESSAGES = 100
/** Broadcast: client processes the clients are spread over. */
export const BROADCAST_PROCESSES = 4
/** Broadcast: broadcasts per event-loop turn (the writes go out between turns). */
export const BROADCAST_PER_TURN = 4
/** Broadcast: payload bytes of each broadcast message. */
export const BROADCAST_MESSAGE_SIZE = 64
/** Scale: idle connections held by one server process (`--scale-connections`). */
export const DEFAULT_SCALE_IDLE_CONNECTIONS = 50_000
/** Scale: at most this many connections per client process, each process on its own 127.0.0.x source address. */
export const SCALE_CONNECTIONS_PER_PROCESS = 12_500
/** Scale: open files asked for in the server process beyond its connections (the limit is raised for it). */
export const SCALE_FD_HEADROOM = 1_024
/** Worker core workload: 1 MiB frames one client sends (`--worker-frames`), after a tenth as many unmeasured. */
export const DEFAULT_WORKER_FRAMES = 300
/** Worker core workload: frame payload bytes. */
export const WORKER_FRAME_SIZE = 1024 * 1024
/** Worker core workload: CPU the server's handler spends per frame (µs): the CPU-bound application. */
export const WORKER_HANDLER_SPIN_US = 500

/** Runs per workload in a full run; each figure is the median (a shared machine is noisy). */
export const DEFAULT_REPEAT = 3

/** `--quick`: a smoke run, seconds in all, enough to prove every workload works end to end. */
export const QUICK_LATENCY_WARMUP = 50
export const QUICK_LATENCY_COUNT = 200
export const QUICK_BURST_COUNT = 2_000
export const QUICK_THROUGHPUT_WARMUP = 500
export const QUICK_STRESS_CLIENTS = 5
export const QUICK_STRESS_MESSAGES = 50
export const QUICK_MEMORY_CLIENTS = 5
export const QUICK_SCALE_CONNECTIONS = 20
export const QUICK_BROADCAST_CLIENTS = 20
export const QUICK_BROADCAST_MESSAGES = 50
export const QUICK_SCALE_IDLE_CONNECTIONS = 200
export const QUICK_WORKER_FRAMES = 6
export const QUICK_FPS_SECONDS = 0.25
export const QUICK_FPS_CONFIGS: readonly { players: number; hz: number }[] = [
  { players: 4, hz: 64 },
  { players: 8, hz: 20 },
]
export const QUICK_SIZE_PLAN: readonly { size: number; count: number }[] = [
  { size: 64, count: 500 },
  { size: 1024, count: 200 },
  { size: 64 * 1024, count: 10 },
  { size: 1024 * 1024, count: 2 },
]

/** `--compare`: a change worse than this (percent) is marked as a regression. */
export const DEFAULT_REGRESSION_THRESHOLD = 10

/** How long to wait for messages still in flight once a sender is done (a bound, not a timing). */
export const DELIVERY_TIMEOUT_MS = 30_000
/** How long a child process gets to exit cleanly before it is killed. */
export const CHILD_EXIT_TIMEOUT_MS = 5_000

/** Baseline: bytes a connection gathers before it writes without waiting for the end of the tick. */
export const BASELINE_FLUSH_BYTES = 64 * 1024
/** Baseline: queued bytes above which a send reports backpressure (same role as the transport's). */
export const BASELINE_HIGH_WATER_MARK = 1024 * 1024

/** Message type codes the suite uses (application range). */
export const CODE_DATA = 200
export const CODE_ECHO = 201
export const CODE_STATE = 202
export const CODE_WORLD = 203
/** System codes the baseline answers like Veltix does. */
export const CODE_PING = 0
export const CODE_PONG = 1

/** Schema tag of `--save` files. */
export const RESULTS_SCHEMA = 'veltix-bench/1'

/** Targets (ratios to the baseline, same run, loop core, 64-byte messages). */
export const TARGET_BURST_RECEIVE_RATIO = 0.8
export const TARGET_STRESS_RATIO = 0.8
export const TARGET_LATENCY_P50_RATIO = 1.2
export const TARGET_MEMORY_PER_CONNECTION_RATIO = 1.5
export const TARGET_FPS_JITTER_P99_MS = 2
/** Wave 2 (issue 18): burst and 100-client fan-in against the 4-byte-length raw program. */
export const TARGET_RAW4_THROUGHPUT_RATIO = 0.85
/** Wave 2: sendAndWait p50 and p99 against the same-framing raw ping-pong. */
export const TARGET_SEND_AND_WAIT_P50_RATIO = 1.1
export const TARGET_SEND_AND_WAIT_P99_RATIO = 1.25
/** Wave 2: broadcast deliveries/s against the raw program writing one encoded frame to every socket. */
export const TARGET_BROADCAST_RATIO = 0.85
/** Wave 2: server RSS per idle connection at 50,000 connections. */
export const TARGET_SCALE_RSS_RATIO = 1.2
/** Wave 2: 1 MiB frames, MB/s. */
export const TARGET_LARGE_MBPS_RATIO = 0.9
/** Wave 2: the worker core's frames/s over the loop core's on the worker-core workload. */
export const TARGET_WORKER_SPEEDUP = 1.3
