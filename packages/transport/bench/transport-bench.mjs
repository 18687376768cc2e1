// Benchmarks of @veltix/transport against a minimal raw `node:net` pair with the same 22-byte framing and
// CRC-32, measured in the same run. `pnpm bench` (builds first) or `node bench/transport-bench.mjs` after tsup.
// Not part of `test`: numbers depend on the machine (and on what else runs on it). Loopback only.
import { fork } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import * as net from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { crc32, writeFrame } from '@veltix/codec'

// BENCH_DIST: another build of this package to measure (a copy of dist/, so that a rebuild elsewhere during
// a long run does not pull it away).
const { connect, createServerTransport, SocketCore } = await import(
  process.env.BENCH_DIST ?? new URL('../dist/index.js', import.meta.url).href
)

const FRAMES = Number(process.env.BENCH_FRAMES ?? 200_000)
const PAYLOAD = 64
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const IDLE_CONNS = Number(process.env.BENCH_IDLE ?? 2000)
const HOST = '127.0.0.1'
/** BENCH_DIAG=1: print each large-frame run with the server's event-loop utilization and CPU use. */
const DIAG = process.env.BENCH_DIAG === '1'

// ---------------------------------------------------------------------------------------------------------
// Raw baseline: a net server that cuts the stream into 22-byte-header frames and checks each CRC, and a net
// client that encodes frames with writeFrame into 64 KiB chunks and respects write() backpressure.

/** Raw `net` baseline server: cuts the same 22-byte frames, checks the CRC, calls `onFrame(socket, buf, o, payload)`. */
function rawServer(onFrame) {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true)
    // Chunks are kept in a list until the frame at their head is complete, then joined once (a frame spanning
    // many chunks is copied once, as the loop core does, not once per chunk).
    let chunks = []
    let have = 0
    let need = 22
    socket.on('data', (chunk) => {
      chunks.push(chunk)
      have += chunk.length
      if (have < need) return
      const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, have)
      let o = 0
      need = 22
      while (buf.length - o >= 22) {
        const size = buf.readUInt32BE(o + 2)
        if (buf.length - o < 22 + size) {
          need = 22 + size
          break
        }
        const payload = buf.subarray(o + 22, o + 22 + size)
        if (crc32(payload) !== buf.readUInt32BE(o + 6)) throw new Error('bad crc')
        onFrame(socket, buf, o, payload)
        o += 22 + size
      }
      chunks = o === buf.length ? [] : [buf.subarray(o)]
      have = buf.length - o
    })
    socket.on('error', () => {})
  })
  return new Promise((resolve) => server.listen(0, HOST, () => resolve(server)))
}

async function rawBurst(port, n, payload) {
  const socket = await new Promise((resolve) => {
    const s = net.connect({ host: HOST, port }, () => resolve(s))
  })
  socket.setNoDelay(true)
  const frameLen = 22 + payload.length
  const perChunk = Math.max(1, Math.floor(65536 / frameLen))
  let i = 0
  while (i < n) {
    const count = Math.min(perChunk, n - i)
    const chunk = Buffer.allocUnsafe(count * frameLen)
    let o = 0
    const now = Date.now()
    for (let k = 0; k < count; k++) o = writeFrame(chunk, o, 200, i + k, payload, now)
    i += count
    if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r))
  }
  return socket
}

// ---------------------------------------------------------------------------------------------------------
// Veltix transport.

async function veltixServer(core, onFrame, extra = {}) {
  const server = createServerTransport({ host: HOST, port: 0, core, ...extra })
  server.onConnection((conn) => conn.setHandler({ frame: () => onFrame(conn), close: () => {} }))
  const { port } = await server.listen()
  return { server, port }
}

async function veltixBurst(core, port, n, payload, extra = {}) {
  const conn = await connect({ host: HOST, port, core, ...extra })
  let drained
  conn.setHandler({ frame: () => {}, drain: () => drained?.(), close: () => {} })
  for (let i = 0; i < n; i++) {
    if (conn.send(200, i, payload) === 'backpressure') {
      await new Promise((r) => (drained = r))
      drained = undefined
    }
  }
  return conn
}

// ---------------------------------------------------------------------------------------------------------

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

/** Frames/s of one client bursting `n` frames until the server has counted them all. */
async function burst(kind, n, payloadSize, core = SocketCore.LOOP, clients = 1) {
  const payload = Buffer.alloc(payloadSize, 0x61)
  let count = 0
  let done
  const finished = new Promise((r) => (done = r))
  const onFrame = () => {
    if (++count === n * clients) done()
  }
  if (kind === 'raw') {
    const server = await rawServer(onFrame)
    const { port } = server.address()
    const start = performance.now()
    const socks = await Promise.all(Array.from({ length: clients }, () => rawBurst(port, n, payload)))
    await finished
    const ms = performance.now() - start
    for (const s of socks) s.destroy()
    await new Promise((r) => server.close(r))
    return ((n * clients) / ms) * 1000
  }
  const { server, port } = await veltixServer(core, onFrame)
  const start = performance.now()
  const conns = await Promise.all(
    Array.from({ length: clients }, () => veltixBurst(SocketCore.LOOP, port, n, payload)),
  )
  await finished
  const ms = performance.now() - start
  for (const c of conns) c.destroy()
  await server.close()
  return ((n * clients) / ms) * 1000
}

async function measure(label, fn) {
  const xs = []
  await fn() // warm-up (JIT, worker threads), not counted
  for (let i = 0; i < RUNS; i++) xs.push(await fn())
  const m = median(xs)
  return { label, median: m, runs: xs }
}

const fmt = (x) =>
  x === undefined
    ? '–'
    : x >= 1e6
      ? `${(x / 1e6).toFixed(2)} M`
      : x >= 1e3
        ? `${(x / 1e3).toFixed(1)} k`
        : x.toFixed(1)

// ---------------------------------------------------------------------------------------------------------
// Latency: one connection, one 64-byte round trip at a time (server echoes), client on the loop core.

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function pingPong(kind, core, count) {
  const payload = Buffer.alloc(PAYLOAD, 0x62)
  const rtts = new Float64Array(count)
  if (kind === 'raw') {
    const server = await rawEchoServer()
    const { port } = server.address()
    const s = await new Promise((r) => {
      const c = net.connect({ host: HOST, port }, () => r(c))
    })
    s.setNoDelay(true)
    const frame = Buffer.allocUnsafe(22 + PAYLOAD)
    let pending
    let resolve
    s.on('data', (chunk) => {
      pending = pending === undefined ? chunk : Buffer.concat([pending, chunk])
      while (
        pending !== undefined &&
        pending.length >= 22 &&
        pending.length >= 22 + pending.readUInt32BE(2)
      ) {
        const n = 22 + pending.readUInt32BE(2)
        if (crc32(pending.subarray(22, n)) !== pending.readUInt32BE(6)) throw new Error('bad crc')
        pending = pending.length === n ? undefined : pending.subarray(n)
        resolve()
      }
    })
    for (let i = 0; i < count; i++) {
      writeFrame(frame, 0, 200, i, payload, Date.now())
      const t0 = process.hrtime.bigint()
      await new Promise((r) => {
        resolve = r
        s.write(frame)
      })
      rtts[i] = Number(process.hrtime.bigint() - t0) / 1000
    }
    s.destroy()
    await new Promise((r) => server.close(r))
  } else {
    const server = createServerTransport({ host: HOST, port: 0, core })
    server.onConnection((conn) =>
      conn.setHandler({ frame: (f) => conn.send(f.code, f.requestId, f.payload), close: () => {} }),
    )
    const { port } = await server.listen()
    const conn = await connect({ host: HOST, port })
    let resolve
    conn.setHandler({ frame: () => resolve(), close: () => {} })
    for (let i = 0; i < count; i++) {
      const t0 = process.hrtime.bigint()
      await new Promise((r) => {
        resolve = r
        conn.send(200, i, payload)
      })
      rtts[i] = Number(process.hrtime.bigint() - t0) / 1000
    }
    conn.destroy()
    await server.close()
  }
  rtts.sort()
  return pct(rtts, 50)
}

function rawEchoServer() {
  return rawServer((socket, buf, o, payload) => {
    const out = Buffer.allocUnsafe(22 + payload.length)
    writeFrame(out, 0, buf.readUInt16BE(o), buf.readUInt32BE(o + 18), payload, Date.now())
    socket.write(out)
  })
}

// ---------------------------------------------------------------------------------------------------------
// The worker core's workload (`--large`, or section 5 of the full run): large frames (256 KiB, 1 MiB) from
// clients in another process (each frame encoded once and written again and again, so the client process
// spends no CRC time) into a server whose `frame` handler is busy `workUs` µs per frame (application work on
// the main thread). Server frames/s, raw `net` baseline (same framing + CRC on its main thread, same work),
// loop core and worker core, run interleaved (raw, loop, worker, raw, …) so that noise from other jobs on
// the machine hits all three alike.

async function remoteBurstClientChild(port, clients, frames, size) {
  const payload = Buffer.alloc(size, 0x63)
  const frame = Buffer.allocUnsafe(22 + size)
  writeFrame(frame, 0, 200, 1, payload, Date.now())
  const socks = await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Promise((r) => {
          const c = net.connect({ host: HOST, port }, () => r(c))
        }),
    ),
  )
  for (const s of socks) {
    s.setNoDelay(true)
    s.on('error', () => {})
  }
  let started = false
  let cpu0
  process.on('message', (m) => {
    if (m === 'go' && !started) {
      started = true
      cpu0 = process.cpuUsage()
      for (const s of socks)
        void (async () => {
          for (let i = 0; i < frames; i++) if (!s.write(frame)) await new Promise((r) => s.once('drain', r))
        })()
    } else if (m === 'stop') {
      for (const s of socks) s.destroy()
      process.send({ type: 'cpu', cpu: process.cpuUsage(cpu0) }, () => process.exit(0))
    }
  })
  process.send({ type: 'ready' })
}

/** CPU ms of this process's threads (Linux /proc): a snapshot, or { main, others } since `before`. */
function threadTimes(before) {
  const now = new Map()
  const tick = 10 // ms per clock tick (USER_HZ 100)
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const f = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ')
      now.set(tid, (Number(rest[11]) + Number(rest[12])) * tick)
    } catch {}
  }
  if (before === undefined) return now
  let main = 0
  let others = 0
  for (const [tid, ms] of now) {
    const d = ms - (before.get(tid) ?? 0)
    if (tid === String(process.pid)) main += d
    else others += d
  }
  return { main, others }
}

/** Spins `us` µs of synchronous CPU work (the stand-in for an application's per-frame work). */
function busy(us) {
  if (us <= 0) return
  const end = process.hrtime.bigint() + BigInt(Math.round(us * 1000))
  while (process.hrtime.bigint() < end) {}
}

/** Server frames/s: `kind` 'raw' or a SocketCore, `clients` connections from a child process. */
async function remoteBurst(kind, clients, frames, size, workUs) {
  let count = 0
  let done
  const finished = new Promise((r) => (done = r))
  const total = clients * frames
  const onFrame = () => {
    busy(workUs)
    if (++count === total) done()
  }
  let port
  let close
  if (kind === 'raw') {
    const server = await rawServer(onFrame)
    port = server.address().port
    close = () => new Promise((r) => server.close(r))
  } else {
    const server = createServerTransport({ host: HOST, port: 0, core: kind })
    server.onConnection((conn) => conn.setHandler({ frame: onFrame, close: () => {} }))
    port = (await server.listen()).port
    close = () => server.close()
  }
  const child = fork(new URL(import.meta.url), [
    '--remote-burst-client',
    String(port),
    String(clients),
    String(frames),
    String(size),
  ])
  await nextMessage(child, 'ready')
  const elu0 = performance.eventLoopUtilization()
  const cpu0 = process.cpuUsage()
  const threads0 = DIAG ? threadTimes() : undefined
  const start = performance.now()
  child.send('go')
  await finished
  const ms = performance.now() - start
  const elu = performance.eventLoopUtilization(elu0).utilization
  const cpu = process.cpuUsage(cpu0)
  const threads = DIAG ? threadTimes(threads0) : undefined
  const exited = new Promise((r) => child.once('exit', r))
  const childCpu = nextMessage(child, 'cpu')
  child.send('stop')
  const cc = (await childCpu).cpu
  await exited
  await close()
  if (DIAG) {
    const us = (x) => `${((x * 1000) / total).toFixed(0).padStart(5)} µs`
    console.log(
      `      ${String(kind).padEnd(7)} ${((total / ms) * 1000).toFixed(0).padStart(6)} frames/s   main thread: ELU ${elu.toFixed(2)}, CPU ${us(threads.main)}/frame   other threads ${us(threads.others)}/frame   client process ${us((cc.user + cc.system) / 1000)}/frame   (server sys ${us(cpu.system / 1000)}/frame)`,
    )
  }
  return (total / ms) * 1000
}

const list = (env, dflt) => (process.env[env] ?? dflt).split(',').map(Number)

// Outbound (`--large-out`): the server sends large frames (`send`, so it encodes and CRCs them) to a client in
// another process that only counts bytes; W µs of handler-like work per frame sent. Frames/s.

async function sinkClientChild(port, bytes) {
  const s = await new Promise((r) => {
    const c = net.connect({ host: HOST, port }, () => r(c))
  })
  let got = 0
  s.on('data', (c) => {
    got += c.length
    if (got >= bytes) {
      s.destroy()
      process.send({ type: 'done' }, () => process.exit(0))
    }
  })
  process.send({ type: 'ready' })
}

async function remoteSend(core, frames, size, workUs) {
  const payload = Buffer.alloc(size, 0x64)
  let start
  const server = createServerTransport({ host: HOST, port: 0, core })
  server.onConnection((conn) => {
    let i = 0
    const pump = () => {
      while (i < frames) {
        busy(workUs)
        const r = conn.send(200, i++, payload)
        if (r === 'backpressure') return
      }
    }
    conn.setHandler({ frame: () => {}, drain: pump, close: () => {} })
    start = performance.now()
    pump()
  })
  const { port } = await server.listen()
  const child = fork(new URL(import.meta.url), ['--sink-client', String(port), String(frames * (22 + size))])
  await nextMessage(child, 'ready')
  await nextMessage(child, 'done')
  const ms = performance.now() - start
  await server.close()
  return (frames / ms) * 1000
}

async function largeOutSection() {
  const sizes = list('BENCH_LARGE_SIZES', '262144,1048576')
  const works = list('BENCH_LARGE_WORK', '0,200')
  const mib = Number(process.env.BENCH_LARGE_MIB ?? 256)
  console.log(
    `Outbound large frames: the server sends ${mib} MiB per measurement to a client in another process`,
  )
  for (const size of sizes)
    for (const w of works) {
      const frames = Math.max(8, Math.round((mib * 2 ** 20) / size))
      const res = { loop: [], worker: [] }
      await remoteSend(SocketCore.LOOP, frames >> 3, size, w)
      await remoteSend(SocketCore.WORKER, frames >> 3, size, w)
      for (let r = 0; r < RUNS; r++) {
        res.loop.push(await remoteSend(SocketCore.LOOP, frames, size, w))
        res.worker.push(await remoteSend(SocketCore.WORKER, frames, size, w))
      }
      const r = res.worker.map((x, i) => x / res.loop[i])
      console.log(
        `   ${String(size).padEnd(8)} W ${String(w).padStart(4)} µs   loop ${fmt(median(res.loop))}   worker ${fmt(median(res.worker))}   worker/loop ${median(r).toFixed(2)} [${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)}]`,
      )
    }
}

async function largeSection(title) {
  const sizes = list('BENCH_LARGE_SIZES', '262144,1048576')
  const works = list('BENCH_LARGE_WORK', '0,200,500')
  const clientCounts = list('BENCH_LARGE_CLIENTS', '1,4')
  const mib = Number(process.env.BENCH_LARGE_MIB ?? 256)
  console.log(
    `${title}: large frames from clients in another process (pre-encoded), the server's handler busy W µs per frame;`,
  )
  console.log(
    `   ${mib} MiB per measurement, ${RUNS} runs interleaved raw/loop/worker after a warm-up; frames/s (median), ratios: median [min–max] of the per-run ratios`,
  )
  const only = (process.env.BENCH_LARGE_VARIANTS ?? 'raw,loop,worker').split(',')
  const variants = [
    ['raw', 'raw'],
    ['loop', SocketCore.LOOP],
    ['worker', SocketCore.WORKER],
  ].filter(([name]) => only.includes(name))
  const head = `   ${'frame'.padEnd(8)}${'conns'.padStart(5)}${'W µs'.padStart(6)}${'raw'.padStart(10)}${'loop'.padStart(10)}${'worker'.padStart(10)}   ${'loop/raw'.padEnd(19)}${'worker/raw'.padEnd(19)}worker/loop`
  console.log(head)
  const ratio = (a, b) => {
    if (a.length === 0 || b.length === 0) return '–'
    const r = a.map((x, i) => x / b[i])
    const s = [...r].sort((x, y) => x - y)
    return `${median(r).toFixed(2)} [${s[0].toFixed(2)}–${s[s.length - 1].toFixed(2)}]`
  }
  for (const size of sizes) {
    for (const clients of clientCounts) {
      for (const w of works) {
        const frames = Math.max(8, Math.round((mib * 2 ** 20) / size / clients))
        const res = { raw: [], loop: [], worker: [] }
        for (const [, k] of variants) await remoteBurst(k, clients, Math.max(4, frames >> 3), size, w)
        for (let r = 0; r < RUNS; r++)
          for (const [name, k] of variants) res[name].push(await remoteBurst(k, clients, frames, size, w))
        const label = size >= 2 ** 20 ? `${size / 2 ** 20} MiB` : `${size / 1024} KiB`
        console.log(
          `   ${label.padEnd(8)}${String(clients).padStart(5)}${String(w).padStart(6)}${fmt(median(res.raw)).padStart(10)}${fmt(median(res.loop)).padStart(10)}${fmt(median(res.worker)).padStart(10)}   ${ratio(res.loop, res.raw).padEnd(19)}${ratio(res.worker, res.raw).padEnd(19)}${ratio(res.worker, res.loop)}`,
        )
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Memory per idle connection, each variant in its own process (fresh heap), after GC.

async function memChild(variant) {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc')
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc()
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  const keep = []
  let close
  let port
  if (variant === 'raw') {
    const server = net.createServer((s) => {
      s.setNoDelay(true)
      s.on('data', () => {})
      keep.push(s)
    })
    await new Promise((r) => server.listen(0, HOST, r))
    port = server.address().port
    close = () => new Promise((r) => server.close(r))
  } else {
    const server = createServerTransport({ host: HOST, port: 0, core: variant })
    server.onConnection((c) => c.setHandler({ frame: () => {}, close: () => {} }))
    port = (await server.listen()).port
    close = () => server.close()
  }
  // Warm up (code, pools) with a few connections, then measure the rest.
  const open = async (n) => {
    for (let i = 0; i < n; i += 100) {
      const batch = Math.min(100, n - i)
      await Promise.all(
        Array.from({ length: batch }, async () => {
          if (variant === 'raw') {
            const s = await new Promise((r) => {
              const c = net.connect({ host: HOST, port }, () => r(c))
            })
            s.setNoDelay(true)
            s.on('data', () => {})
            keep.push(s)
          } else {
            const c = await connect({ host: HOST, port, core: variant })
            c.setHandler({ frame: () => {}, close: () => {} })
            keep.push(c)
          }
        }),
      )
    }
  }
  await open(20)
  await settle()
  const before = process.memoryUsage()
  await open(IDLE_CONNS)
  await new Promise((r) => setTimeout(r, 200))
  await settle()
  const after = process.memoryUsage()
  const per = (k) => (after[k] - before[k]) / IDLE_CONNS
  process.send({ rss: per('rss'), heap: per('heapUsed') + per('external') })
  for (const c of keep) c.destroy()
  await close()
  process.exit(0)
}

function memVariant(variant) {
  return new Promise((resolve, reject) => {
    const child = fork(new URL(import.meta.url), ['--mem', variant])
    child.once('message', resolve)
    child.once('error', reject)
    child.once('exit', (code) => code !== 0 && reject(new Error(`mem child ${variant} exited ${code}`)))
  })
}

// ---------------------------------------------------------------------------------------------------------
// Idle memory, server side only: the server runs in its own process and the clients in another (raw `net`
// sockets for every variant, so only the server's cost is measured). `--idle [N]` (default 10,000).
// Each process needs N + a few file descriptors: `ulimit -n` must be above N (this machine: 20,000).
// `--one-frame`: each client sends one 64-byte frame and the server echoes it (a connection that has
// done a handshake-like exchange, then gone idle).

async function idleServerChild(variant) {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc')
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      gc()
      await new Promise((r) => setTimeout(r, 25))
    }
  }
  const keep = []
  let count = 0
  let close
  let port
  if (variant === 'raw') {
    // The smallest framing server that still checks CRC (the same as the throughput baseline).
    const server = net.createServer((s) => {
      s.setNoDelay(true)
      let pending
      s.on('data', (chunk) => {
        const buf = pending === undefined ? chunk : Buffer.concat([pending, chunk])
        let o = 0
        while (buf.length - o >= 22) {
          const size = buf.readUInt32BE(o + 2)
          if (buf.length - o < 22 + size) break
          const payload = buf.subarray(o + 22, o + 22 + size)
          if (crc32(payload) !== buf.readUInt32BE(o + 6)) throw new Error('bad crc')
          s.write(buf.subarray(o, o + 22 + size))
          o += 22 + size
        }
        pending = o === buf.length ? undefined : buf.subarray(o)
      })
      s.on('error', () => {})
      keep.push(s)
      count++
    })
    await new Promise((r) => server.listen(0, HOST, r))
    port = server.address().port
    close = () => {
      for (const s of keep) s.destroy()
      return new Promise((r) => server.close(r))
    }
  } else {
    const server = createServerTransport({ host: HOST, port: 0, core: variant })
    server.onConnection((c) => {
      c.setHandler({ frame: (f) => c.send(f.code, f.requestId, f.payload, f.timestamp), close: () => {} })
      count++
    })
    port = (await server.listen()).port
    close = () => server.close()
  }
  const waitCount = async (n) => {
    while (count < n) await new Promise((r) => setTimeout(r, 20))
  }
  process.on('message', async (msg) => {
    if (msg.type === 'mark') {
      await waitCount(msg.count)
      await new Promise((r) => setTimeout(r, 300))
      await settle()
      const m = process.memoryUsage()
      process.send({ type: 'mem', rss: m.rss, heap: m.heapUsed + m.external })
    } else if (msg.type === 'close') {
      await close()
      process.exit(0)
    }
  })
  process.send({ type: 'port', port })
}

async function idleClientChild(port, oneFrame) {
  const socks = []
  const frame = Buffer.allocUnsafe(22 + 64)
  writeFrame(frame, 0, 200, 1, Buffer.alloc(64, 0x61), Date.now())
  const open = async (k) => {
    for (let i = 0; i < k; i += 200) {
      const batch = Math.min(200, k - i)
      await Promise.all(
        Array.from(
          { length: batch },
          () =>
            new Promise((resolve, reject) => {
              const s = net.connect({ host: HOST, port }, () => {
                s.setNoDelay(true)
                if (!oneFrame) return resolve()
                s.once('data', () => resolve())
                s.write(frame)
              })
              s.on('error', reject)
              socks.push(s)
            }),
        ),
      )
    }
  }
  process.on('message', async (msg) => {
    if (msg.type === 'open') {
      await open(msg.count)
      process.send({ type: 'opened' })
    } else if (msg.type === 'close') {
      for (const s of socks) s.destroy()
      process.exit(0)
    }
  })
  process.send({ type: 'ready' })
}

function nextMessage(child, type) {
  return new Promise((resolve, reject) => {
    const onMsg = (m) => {
      if (m.type !== type) return
      child.off('message', onMsg)
      resolve(m)
    }
    child.on('message', onMsg)
    child.once('exit', (code) => reject(new Error(`child exited (${code}) while waiting for ${type}`)))
  })
}

async function idleVariant(variant, n, oneFrame) {
  const server = fork(new URL(import.meta.url), ['--idle-server', variant])
  const { port } = await nextMessage(server, 'port')
  const client = fork(new URL(import.meta.url), ['--idle-client', String(port), oneFrame ? '1' : '0'])
  await nextMessage(client, 'ready')
  const warm = 50
  client.send({ type: 'open', count: warm })
  await nextMessage(client, 'opened')
  server.send({ type: 'mark', count: warm })
  const before = await nextMessage(server, 'mem')
  client.send({ type: 'open', count: n })
  await nextMessage(client, 'opened')
  server.send({ type: 'mark', count: warm + n })
  const after = await nextMessage(server, 'mem')
  const exited = (c) => new Promise((r) => c.once('exit', r))
  const done = [exited(client), exited(server)]
  client.send({ type: 'close' })
  server.send({ type: 'close' })
  await Promise.all(done)
  return { rss: (after.rss - before.rss) / n, heap: (after.heap - before.heap) / n }
}

async function idleMain(n) {
  const kb = (x) => `${(x / 1024).toFixed(2)} KiB`
  for (const oneFrame of [false, true]) {
    console.log(
      `Idle memory per connection, server side: ${n.toLocaleString()} connections, clients in another process, after GC` +
        (oneFrame ? ' — after one 64-byte frame echoed on each' : ' — no bytes exchanged'),
    )
    const res = {}
    for (const v of ['raw', SocketCore.LOOP, SocketCore.WORKER]) {
      const xs = []
      for (let i = 0; i < RUNS; i++) xs.push(await idleVariant(v, n, oneFrame))
      res[v] = { rss: median(xs.map((x) => x.rss)), heap: median(xs.map((x) => x.heap)) }
      const label = v === 'raw' ? 'raw net (framing server)' : `veltix ${v} core`
      console.log(
        `   ${label.padEnd(28)} heap+external ${kb(res[v].heap).padStart(10)}   rss ${kb(res[v].rss).padStart(10)}   (rss runs: ${xs.map((x) => (x.rss / 1024).toFixed(2)).join(', ')})`,
      )
    }
    const r = res.raw
    for (const v of [SocketCore.LOOP, SocketCore.WORKER]) {
      console.log(
        `   ${v} / raw = ${(res[v].heap / r.heap).toFixed(2)}× heap+external, ${(res[v].rss / r.rss).toFixed(2)}× rss  (target ≤ 1.5× rss)`,
      )
    }
    console.log('')
  }
}

// ---------------------------------------------------------------------------------------------------------

async function main() {
  const argv = process.argv
  const memIdx = argv.indexOf('--mem')
  if (memIdx !== -1) return memChild(argv[memIdx + 1])
  const srvIdx = argv.indexOf('--idle-server')
  if (srvIdx !== -1) return idleServerChild(argv[srvIdx + 1])
  const cliIdx = argv.indexOf('--idle-client')
  if (cliIdx !== -1) return idleClientChild(Number(argv[cliIdx + 1]), argv[cliIdx + 2] === '1')
  const skIdx = argv.indexOf('--sink-client')
  if (skIdx !== -1) return sinkClientChild(Number(argv[skIdx + 1]), Number(argv[skIdx + 2]))
  if (argv.includes('--large-out')) return largeOutSection()
  const rbIdx = argv.indexOf('--remote-burst-client')
  if (rbIdx !== -1) {
    const [port, clients, frames, size] = argv.slice(rbIdx + 1, rbIdx + 5).map(Number)
    return remoteBurstClientChild(port, clients, frames, size)
  }
  if (argv.includes('--large') || process.env.BENCH_ONLY === 'large')
    return largeSection("Worker core's workload")
  const idleIdx = argv.indexOf('--idle')
  if (idleIdx !== -1) {
    const n = Number(argv[idleIdx + 1])
    return idleMain(Number.isFinite(n) && n > 0 ? n : 10_000)
  }

  console.log(`@veltix/transport bench — Node ${process.version}, ${RUNS} runs each, median shown\n`)

  console.log(
    `1. Burst: one client sends ${FRAMES.toLocaleString()} × ${PAYLOAD}-byte-payload frames (${22 + PAYLOAD} B on the wire)`,
  )
  const raw = await measure('raw net + same framing/CRC', () => burst('raw', FRAMES, PAYLOAD))
  const loop = await measure('veltix loop core', () => burst('veltix', FRAMES, PAYLOAD, SocketCore.LOOP))
  const worker = await measure('veltix worker core (server side)', () =>
    burst('veltix', FRAMES, PAYLOAD, SocketCore.WORKER),
  )
  for (const r of [raw, loop, worker]) console.log(`   ${r.label.padEnd(36)} ${fmt(r.median)} frames/s`)
  console.log(`   loop / raw = ${(loop.median / raw.median).toFixed(2)}×  (target ≥ 0.8×)`)
  console.log(`   worker / loop (small-frame overhead) = ${(worker.median / loop.median).toFixed(2)}×\n`)
  if (argv.includes('--burst')) return

  const big = 256 * 1024
  const bigFrames = Number(process.env.BENCH_BIG_FRAMES ?? 400)
  const bigClients = 4
  console.log(
    `2. Worker core's target workload: ${bigClients} clients × ${bigFrames} frames of ${big / 1024} KiB (CRC-heavy), server core varies`,
  )
  const bl = await measure('loop core', () => burst('veltix', bigFrames, big, SocketCore.LOOP, bigClients))
  const bw = await measure('worker core', () =>
    burst('veltix', bigFrames, big, SocketCore.WORKER, bigClients),
  )
  for (const r of [bl, bw])
    console.log(
      `   ${r.label.padEnd(36)} ${fmt(r.median)} frames/s = ${((r.median * big) / 2 ** 20).toFixed(0)} MiB/s`,
    )
  console.log(`   worker / loop = ${(bw.median / bl.median).toFixed(2)}×`)

  const many = 50
  const perConn = Math.floor(FRAMES / many)
  console.log(
    `\n3. Many connections: ${many} clients × ${perConn.toLocaleString()} small frames, server core varies`,
  )
  const ml = await measure('loop core', () => burst('veltix', perConn, PAYLOAD, SocketCore.LOOP, many))
  const mw = await measure('worker core', () => burst('veltix', perConn, PAYLOAD, SocketCore.WORKER, many))
  for (const r of [ml, mw]) console.log(`   ${r.label.padEnd(36)} ${fmt(r.median)} frames/s`)
  console.log(`   worker / loop = ${(mw.median / ml.median).toFixed(2)}×`)

  const pings = Number(process.env.BENCH_PINGS ?? 5000)
  console.log(
    `\n4. Latency: one connection, ${pings.toLocaleString()} round trips of a ${PAYLOAD}-byte frame echoed, p50`,
  )
  const lr = await measure('raw net + same framing/CRC', () => pingPong('raw', undefined, pings))
  const ll = await measure('veltix loop core (server)', () => pingPong('veltix', SocketCore.LOOP, pings))
  const lw = await measure('veltix worker core (server)', () => pingPong('veltix', SocketCore.WORKER, pings))
  for (const r of [lr, ll, lw]) console.log(`   ${r.label.padEnd(36)} ${r.median.toFixed(1)} µs`)
  console.log(
    `   loop / raw = ${(ll.median / lr.median).toFixed(2)}×, worker / raw = ${(lw.median / lr.median).toFixed(2)}×, worker / loop = ${(lw.median / ll.median).toFixed(2)}×`,
  )

  console.log('')
  await largeSection("5. Worker core's workload")
  if (process.env.BENCH_SKIP_MEM === '1') return

  console.log(
    `\n6. Memory per idle connection (${IDLE_CONNS} connections, both ends in one process, after GC)`,
  )
  const mr = await memVariant('raw')
  const mlp = await memVariant(SocketCore.LOOP)
  const mwk = await memVariant(SocketCore.WORKER)
  const kb = (x) => `${(x / 1024).toFixed(1)} KiB`
  for (const [label, m] of [
    ['raw net', mr],
    ['veltix loop core', mlp],
    ['veltix worker core', mwk],
  ]) {
    console.log(
      `   ${label.padEnd(36)} heap+external ${kb(m.heap).padStart(10)}   rss ${kb(m.rss).padStart(10)}`,
    )
  }
  console.log(
    `   loop / raw = ${(mlp.heap / mr.heap).toFixed(2)}× heap+external, ${(mlp.rss / mr.rss).toFixed(2)}× rss  (target ≤ 1.5×)`,
  )
}

await main()
