import { DELIVERY_TIMEOUT_MS, FPS_STATE_BYTES, FPS_WORLD_BYTES_PER_PLAYER } from '../constants.js'
import type { Figure } from '../results.js'
import { figureMaker, percent, variants, type Workload, withPair } from './common.js'

/** "64p@64Hz". */
export function fpsLabel(c: { players: number; hz: number }): string {
  return `${c.players}p@${c.hz}Hz`
}

/**
 * A game server: every player sends its state each tick, the server broadcasts the world state to all each
 * tick. Delivery counts both directions; jitter is the server tick's lateness against its schedule.
 */
export const fpsWorkload: Workload = {
  name: 'fps',
  description:
    'game-server simulation: players send state each tick, the server broadcasts the world each tick',
  phases: (o) => variants(o).length * o.fpsConfigs.length,
  async run(ctx) {
    const o = ctx.options
    const figures: Figure[] = []
    for (const v of variants(o)) {
      const fig = figureMaker('fps', v)
      for (const cfg of o.fpsConfigs) {
        const label = fpsLabel(cfg)
        const ticks = Math.max(2, Math.round(o.fpsSeconds * cfg.hz))
        ctx.phase(`${v.label} ${label} × ${ticks} ticks`)
        await withPair(ctx, v, 'sink', async (server, client, port) => {
          await client.call('clientsConnect', { impl: v.impl, port, count: cfg.players })
          await server.call('waitConnections', { count: cfg.players, timeoutMs: 30_000 })
          const expected = cfg.players * ticks
          await Promise.all([
            server.call('resetCount', { expected }),
            client.call('resetCount', { expected }),
          ])
          const [srv, players] = await Promise.all([
            server.call('serverTicks', {
              hz: cfg.hz,
              ticks,
              worldBytes: 8 + cfg.players * FPS_WORLD_BYTES_PER_PLAYER,
            }),
            client.call('playerTicks', { hz: cfg.hz, ticks, stateBytes: FPS_STATE_BYTES }),
          ])
          const [states, worlds] = await Promise.all([
            server.call('waitCount', { timeoutMs: DELIVERY_TIMEOUT_MS }),
            client.call('waitCount', { timeoutMs: DELIVERY_TIMEOUT_MS }),
          ])
          const sent = players.statesSent + expected
          const received = states.count + worlds.count
          figures.push(
            fig(`${label}.delivery`, percent(received, sent), '%', 'higher'),
            fig(`${label}.stateDelivery`, percent(states.count, players.statesSent), '%', 'higher'),
            fig(`${label}.worldDelivery`, percent(worlds.count, expected), '%', 'higher'),
            fig(`${label}.broadcastAccepted`, percent(srv.worldSent, expected), '%', 'higher'),
            fig(`${label}.msgPerSec`, received / (ticks / cfg.hz), 'msg/s', 'higher'),
            fig(`${label}.jitter.p50`, srv.lateness.p50 / 1000, 'ms', 'lower'),
            fig(`${label}.jitter.p99`, srv.lateness.p99 / 1000, 'ms', 'lower'),
            fig(`${label}.jitter.max`, srv.lateness.max / 1000, 'ms', 'lower'),
            fig(`${label}.tickWork.p50`, srv.work.p50, 'us', 'lower'),
            fig(`${label}.tickWork.p99`, srv.work.p99, 'us', 'lower'),
          )
        })
      }
    }
    return figures
  },
}
