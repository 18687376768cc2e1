import { ERROR } from '@veltix/codec'
import type { Connection } from '@veltix/transport'

/**
 * Refuses a connection the server will not serve: its input is ignored, one ERROR frame says why (a Veltix
 * client fails with `ServerRefusedError` carrying the text), then a graceful close.
 */
export function refuseConnection(conn: Connection, why: string): void {
  conn.setHandler({ frame: () => {}, close: () => {} })
  conn.send(ERROR.code, 0, Buffer.from(`connection refused: ${why}`, 'utf8'))
  void conn.close()
}
