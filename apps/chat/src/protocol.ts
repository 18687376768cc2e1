// The chat's messages, declared once and shared by server and client.
import { defineMessage } from 'veltix'

export const MAX_LINE = 500 // characters in one chat line
export const HISTORY = 20 // messages of a room replayed to a newcomer

/** What the server tells a client: a room message, a notice, a private message, or history. */
export interface ChatEvent {
  kind: 'msg' | 'notice' | 'pm' | 'history'
  from?: string
  room?: string
  text: string
  time: number
}
export interface Reply {
  ok: boolean
  text: string
}

export const NICK = defineMessage<{ nick: string }, Reply>(200, 'chat.nick')
export const JOIN = defineMessage<{ room: string }, Reply>(201, 'chat.join')
export const LEAVE = defineMessage<Record<string, never>, Reply>(202, 'chat.leave')
export const SAY = defineMessage<{ text: string }>(203, 'chat.say')
export const WHO = defineMessage<Record<string, never>, { room: string | null; members: string[] }>(
  204,
  'chat.who',
)
export const PM = defineMessage<{ to: string; text: string }, Reply>(205, 'chat.pm')
export const EVENT = defineMessage<ChatEvent>(210, 'chat.event')
