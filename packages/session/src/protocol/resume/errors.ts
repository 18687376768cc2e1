import { SessionError } from '../../errors.js'

/** The peer left more than `maxBufferedBytes` unacknowledged: the connection is cut (it never acks, or is gone). */
export class ResumeBufferFullError extends SessionError {
  constructor(
    readonly buffered: number,
    readonly limit: number,
  ) {
    super(`resume buffer full: ${buffered} unacknowledged bytes would exceed maxBufferedBytes ${limit}`)
    this.name = 'ResumeBufferFullError'
    this.code = 'VELTIX_ERR_RESUME_BUFFER_FULL'
  }
}

/** The drop was not healed within `windowMs` (or the peer no longer holds what we lack): no recovery. */
export class ResumeExpiredError extends SessionError {
  constructor(message = 'the connection could not be resumed (past the window, or its replay is gone)') {
    super(message)
    this.name = 'ResumeExpiredError'
    this.code = 'VELTIX_ERR_RESUME_EXPIRED'
  }
}

/** A resume frame that breaks the protocol (bad length, an ack past what was sent): the connection is closed. */
export class ResumeProtocolError extends SessionError {
  constructor(message: string) {
    super(`resume protocol: ${message}`)
    this.name = 'ResumeProtocolError'
    this.code = 'VELTIX_ERR_RESUME_PROTOCOL'
  }
}
