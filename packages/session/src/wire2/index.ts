export {
  WIRE2_CLIENT_ID_MAX,
  WIRE2_DEFAULT_ID_WINDOW,
  WIRE2_MAX_HANDSHAKE_MESSAGE,
  WIRE2_META_EXTRAS_KEY,
  WIRE2_PROTOCOL_VERSION,
  WIRE2_SERVER_ID_MAX,
  WIRE2_SERVER_ID_MIN,
  WIRE2_SERVER_ID_WINDOW,
  WIRE2_VERSION,
} from './constants.js'
export { type DetectedWire, detectWire } from './detect.js'
export {
  HandshakeMessageError,
  RequestIdsExhaustedError,
  ServerFullError,
  UnknownWireError,
} from './errors.js'
export {
  encodeHandshakeMessage,
  Wire2Handshake,
  type Wire2HandshakeInit,
  type Wire2HandshakeResult,
  type Wire2HandshakeState,
  type Wire2Peer,
  type Wire2Step,
} from './handshake.js'
export {
  type Wire2HandshakeListener,
  type Wire2PrefaceInit,
  wire2ClientPreface,
  wire2ServerPreface,
} from './preface.js'
export { RequestIdSpace } from './request-ids.js'
export { detectServerWire, runWire2Handshake } from './socket.js'
export { parseProtocolVersion, parseReferenceVersion, peerVersionAccepted } from './version.js'
