import { ConnectionClosedError, SessionError } from '../../../session/src/errors.js'

/** The WebSocket closed: `closeCode` and `closeReason` are the close frame's (1006: no close frame, dropped). */
export class WebSocketClosedError extends ConnectionClosedError {
  constructor(
    readonly closeCode: number,
    readonly closeReason: string,
  ) {
    super(`WebSocket closed with code ${closeCode}${closeReason === '' ? '' : `: ${closeReason}`}`)
    this.name = 'WebSocketClosedError'
    this.code = 'VELTIX_ERR_WS_CLOSED'
  }
}

/** The server's HELLO asks for something the browser client does not speak (end-to-end encryption). */
export class UnsupportedFeatureError extends SessionError {
  constructor(message: string) {
    super(message)
    this.name = 'UnsupportedFeatureError'
    this.code = 'VELTIX_ERR_UNSUPPORTED'
  }
}
