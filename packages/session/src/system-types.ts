import { MessageType } from '@veltix/codec'

/** Client → server, after the (secure) handshake: the client's token (maybe empty). Id = the HELLO's id. */
export const AUTH_CODE = 31
/** Server → client: the `authenticate` verdict, payload `1` accepted or `0` + UTF-8 reason. Id = the HELLO's id. */
export const AUTH_RESULT_CODE = 32

/** The AUTH message type (registered by a session that takes part in authentication). */
export const AUTH = new MessageType(AUTH_CODE, 'AUTH', "Client's authentication token (after the handshake)")
/** The AUTH_RESULT message type. */
export const AUTH_RESULT = new MessageType(AUTH_RESULT_CODE, 'AUTH_RESULT', 'Verdict of the server on AUTH')
