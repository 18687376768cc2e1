// Benchmarks of @veltix/transport against a minimal raw `node:net` pair with the same 22-byte framing and
// CRC-32, measured in the same run. `pnpm bench` (builds first) or `node bench/transport-bench.mjs` after tsup.
// Not part of `test`: numbers depend on the machine (and on what else runs on it). Loopback only.
import { fork } from 'node:child_process'
import * as net from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { crc32, writeFrame } from '@veltix/codec'
import { connect, createServerTransport, SocketCore } from '../dist/index.js'

const FRAMES = Number(process.env.BENCH_FRAMES ?? 200_000)
const PAYLOAD = 64
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const IDLE_CONNS = Number(process.env.BENCH_IDLE ?? 2000)
const HOST = '127.0.0.1'

// ---------------------------------------------------------------------------------------------------------
// Raw baseline: a net server that cuts the stream into 22-byte-header frames and checks each CRC, and a net
// client that encodes frames with writeFrame into 64 KiB chunks and respects write() backpressure.

/** Raw `net` baseline server: cuts the same 22-byte frames, checks the CRC, calls `onFrame(socket, buf, o, size)`. */
function rawServer(onFrame) {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true)
    let pending
    socket.on('data', (chunk) => {
      let buf = pending === undefined ? chunk : Buffer.concat([pending, chunk])
      let o = 0
      while (buf.length - o >= 22) {
        const size = buf.readUInt32BE(o + 2)
        if (buf.length - o < 22 + size) break
        const payload = buf.subarray(o + 22, o + 22 + size)
        if (crc32(payload) !== buf.readUInt32BE(o + 6)) throw new Error('bad crc')
        onFrame(socket, buf, o, payload)
        o += 22 + size
      }
      pending = o === buf.length ? undefined : buf.subarray(o)
      buf = undefined
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
  x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(1)

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
// The worker core's workload: large frames from clients in another process (frames encoded once and
// written again and again, so the client process spends no CRC time), the server's handler optionally
// busy for `workUs` µs per frame (application work on the main thread). Server frames/s.

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
  process.on('message', (m) => {
    if (m === 'go' && !started) {
      started = true
      for (const s of socks)
        void (async () => {
          for (let i = 0; i < frames; i++) if (!s.write(frame)) await new Promise((r) => s.once('drain', r))
        })()
    } else if (m === 'stop') {
      for (const s of socks) s.destroy()
      process.exit(0)
    }
  })
  process.send({ type: 'ready' })
}

async function remoteBurst(core, clients, frames, size, workUs) {
  let count = 0
  let done
  const finished = new Promise((r) => (done = r))
  const server = createServerTransport({ host: HOST, port: 0, core })
  server.onConnection((conn) =>
    conn.setHandler({
      frame: () => {
        if (workUs > 0) {
          const end = performance.now() + workUs / 1000
          while (performance.now() < end) {}
        }
        if (++count === clients * frames) done()
      },
      close: () => {},
    }),
  )
  const { port } = await server.listen()
  const child = fork(new URL(import.meta.url), [
    '--remote-burst-client',
    String(port),
    String(clients),
    String(frames),
    String(size),
  ])
  await nextMessage(child, 'ready')
  const start = performance.now()
  child.send('go')
  await finished
  const ms = performance.now() - start
  const exited = new Promise((r) => child.once('exit', r))
  child.send('stop')
  await exited
  await server.close()
  return ((clients * frames) / ms) * 1000
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
  const rbIdx = argv.indexOf('--remote-burst-client')
  if (rbIdx !== -1) {
    const [port, clients, frames, size] = argv.slice(rbIdx + 1, rbIdx + 5).map(Number)
    return remoteBurstClientChild(port, clients, frames, size)
  }
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

  const rbFrames = Number(process.env.BENCH_REMOTE_FRAMES ?? 250)
  for (const workUs of [0, 400]) {
    console.log(
      `\n5${workUs === 0 ? 'a' : 'b'}. Worker core's workload: 4 clients in another process × ${rbFrames} frames of 256 KiB (pre-encoded), server handler busy ${workUs} µs per frame`,
    )
    const rl = await measure('loop core', () => remoteBurst(SocketCore.LOOP, 4, rbFrames, big, workUs))
    const rw = await measure('worker core', () => remoteBurst(SocketCore.WORKER, 4, rbFrames, big, workUs))
    for (const r of [rl, rw])
      console.log(
        `   ${r.label.padEnd(36)} ${fmt(r.median)} frames/s = ${((r.median * big) / 2 ** 20).toFixed(0)} MiB/s`,
      )
    console.log(`   worker / loop = ${(rw.median / rl.median).toFixed(2)}×`)
  }
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
