import type { MessageType, MessageTypeRegistry } from '@veltix/codec'
import { type AuthOptions, authentication } from './auth.js'
import type { CapabilityFactory, HandshakeCapability } from './capability.js'
import { type CompressionOptions, compression } from './compression.js'
import { type EncryptionOptions, encryption } from './encryption.js'
import { type ResumeOptions, resume } from './resume.js'

/** The session options the capabilities read (a `SessionInit` has them all). @internal */
export type CapabilitiesInit = EncryptionOptions & AuthOptions<unknown> & CompressionOptions & ResumeOptions

/**
 * The handshake's capabilities, in the order their phases run (encryption first: authentication's token then
 * travels sealed). Adding one: a file beside this one, and a line here. @internal
 */
const CAPABILITIES: readonly CapabilityFactory<CapabilitiesInit>[] = [
  encryption,
  authentication,
  compression,
  // last: its link is the outermost one (it keeps frames before compression and sealing)
  resume,
]

const NONE: readonly HandshakeCapability[] = []

/**
 * The capabilities this session uses, their message types registered in `registry` (quietly: a type already
 * holding the code stays). Throws what a factory throws (e.g. `SecureConfigError`). @internal
 */
export function capabilitiesFor(
  init: CapabilitiesInit,
  role: 'server' | 'client',
  registry: MessageTypeRegistry,
): readonly HandshakeCapability[] {
  let out: HandshakeCapability[] | undefined
  for (const make of CAPABILITIES) {
    const c = make(init, role)
    if (c === undefined) continue
    out ??= []
    out.push(c)
    for (const t of c.types ?? NONE_TYPES) registerQuietly(registry, t)
  }
  return out ?? NONE
}

const NONE_TYPES: readonly MessageType[] = []

function registerQuietly(registry: MessageTypeRegistry, type: MessageType): void {
  try {
    registry.register(type)
  } catch {
    // another type holds the code: frames with it are still delivered to the session by the transport
  }
}
