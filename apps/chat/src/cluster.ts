// `--redis URL`: every chat server on that Redis is one chat (rooms, /who and private messages span them).
// Without it, `server.cluster` is this server alone; while Redis is unreachable, each server serves its own.
import { redisCluster } from '@veltix/redis'
import { ClusterUnavailableError, type Request, type Server, type ServerConfigInit } from 'veltix'

export interface Member {
  id: string
  nick: string
  room: string | null
}

export const clusterConfig = (redisUrl?: string): Pick<ServerConfigInit, 'cluster'> =>
  redisUrl === undefined ? {} : { cluster: redisCluster({ url: redisUrl, name: 'veltix-chat' }) }

export function chatCluster(server: Server) {
  const local = () =>
    server
      .getAllClients()
      .map((c) => ({ id: c.id, addr: c.addr, tags: { nick: c.getTag('nick'), room: c.getTag('room') } }))
  const fallback = <T>(e: unknown, value: T): T => {
    if (e instanceof ClusterUnavailableError) return value
    throw e
  }
  const everyone = async (): Promise<Member[]> => {
    const all = await server.cluster.fetchClients({ timeout: 1000 }).catch((e) => fallback(e, local()))
    return all.map((c) => ({
      id: c.id,
      nick: (c.tags.nick as string | null | undefined) ?? `guest-${c.addr[1]}`,
      room: (c.tags.room as string | null | undefined) ?? null,
    }))
  }
  return {
    everyone,
    inRoom: async (room: string) => (await everyone()).filter((m) => m.room === room),
    /** To everyone in `room` on every server, except the client `exceptId`. */
    tell: (request: Request, room: string, exceptId?: string) =>
      server.cluster
        .broadcast(request, { tag: ['room', room], except: exceptId === undefined ? [] : [exceptId] })
        .catch((e) => {
          const to = server.getAllClients().filter((c) => c.getTag('room') === room && c.id !== exceptId)
          return fallback(e, server.getSender().broadcast(request, to))
        }),
    sendTo: (id: string, request: Request) =>
      server.cluster.send(request, id).catch((e) => fallback(e, false)),
  }
}
