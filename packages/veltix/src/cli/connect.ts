import { noopLogger } from '@veltix/logger'
import { Client } from '../client.js'
import type { Output } from './output.js'
import type { Target } from './usage.js'

/**
 * A connected client (handshake done), or null once the failure is reported. No retry: a script asking
 * "is it up?" wants the answer now. The library's own log stays quiet; outcomes are reported by the command.
 */
export async function connectTo(
  target: Target,
  timeout: number,
  out: Output,
  command: string,
): Promise<Client | null> {
  const client = new Client({
    serverAddr: target.host,
    port: target.port,
    connectTimeout: timeout,
    handshakeTimeout: timeout,
    requestTimeout: timeout,
    retry: 0,
    logger: noopLogger,
  })
  if (await client.connect()) return client
  const why = client.lastError?.message ?? 'connection failed'
  out.error(command, 'unreachable', `cannot reach ${show(target)} (${why})`, {
    host: target.host,
    port: target.port,
  })
  await client.disconnect()
  return null
}

export function show(target: Target): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`
}
