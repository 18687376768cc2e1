import {
  decodeJson,
  decodeUtf8,
  encodeJson,
  encodeUtf8,
  MessageType,
  Request,
  type RequestInit,
  type Response,
} from '@veltix/codec'

/** How a typed message's value becomes payload bytes and back. */
export interface PayloadCodec<T> {
  encode(value: T): Uint8Array
  decode(bytes: Uint8Array): T
}

/** UTF-8 JSON (the default). Decoding errors are `PayloadDecodeError`. */
export function jsonCodec<T>(): PayloadCodec<T> {
  return { encode: (v) => encodeJson(v), decode: (b) => decodeJson<T>(b) }
}
/** Raw bytes, untouched. */
export const bytesCodec: PayloadCodec<Uint8Array> = { encode: (v) => v, decode: (b) => b }
/** UTF-8 text. */
export const textCodec: PayloadCodec<string> = { encode: encodeUtf8, decode: decodeUtf8 }

/** A received message of a typed message type: `data` is the decoded value. */
export interface TypedResponse<T> extends Response {
  readonly data: T
}

/** A request built from a typed message type; `R` is the type of the reply `sendAndWait` expects. */
export class TypedRequest<T, R = unknown> extends Request {
  declare readonly type: TypedMessageType<T, R>
  constructor(type: TypedMessageType<T, R>, value: T, init?: RequestInit) {
    super(type, type.codec.encode(value), init)
  }
}

/**
 * A message type declared together with its payload's TypeScript type and codec, so that `route`, `send`
 * and `sendAndWait` are type-checked end to end. It is a `MessageType`: everything that takes one takes it.
 * `R` is the payload type of the reply to it (for `sendAndWait`), decoded with `replyCodec`.
 */
export class TypedMessageType<T, R = unknown> extends MessageType {
  readonly codec: PayloadCodec<T>
  readonly replyCodec: PayloadCodec<R>

  constructor(
    code: number,
    name: string,
    options: { codec?: PayloadCodec<T>; replyCodec?: PayloadCodec<R>; description?: string } = {},
  ) {
    super(code, name, options.description ?? '')
    this.codec = options.codec ?? jsonCodec<T>()
    this.replyCodec = options.replyCodec ?? jsonCodec<R>()
  }

  /** A request carrying `value`, encoded with this type's codec. */
  request(value: T, init?: RequestInit): TypedRequest<T, R> {
    return new TypedRequest(this, value, init)
  }

  /** A reply to `to` (same request id, this type's code) carrying `value`, encoded with `replyCodec`. */
  reply(to: Response, value: R): Request {
    return new Request(this, this.replyCodec.encode(value), { requestId: to.id })
  }

  /** The response with `data` decoded by this type's codec (throws `PayloadDecodeError` on bad input). */
  decode(response: Response): TypedResponse<T> {
    return withData(response, this.codec.decode(response.content))
  }

  /** A reply to this type's request, decoded with `replyCodec`. */
  decodeReply(response: Response): TypedResponse<R> {
    return withData(response, this.replyCodec.decode(response.content))
  }
}

/** Declares a typed message type (JSON by default). */
export function defineMessage<T, R = unknown>(
  code: number,
  name: string,
  options?: { codec?: PayloadCodec<T>; replyCodec?: PayloadCodec<R>; description?: string },
): TypedMessageType<T, R> {
  return new TypedMessageType<T, R>(code, name, options)
}

function withData<T>(response: Response, data: T): TypedResponse<T> {
  Object.defineProperty(response, 'data', { value: data, enumerable: true })
  return response as TypedResponse<T>
}
