/**
 * The callbacks `setCallback` takes (the reference's `Events`).
 *
 * Server: `ON_CONNECT (client)` after the handshake; `ON_RECV (client, response)` for a message no route
 * took; `ON_DISCONNECT (client)` exactly once per connection that completed the handshake.
 * Client: `ON_CONNECT ()` after each handshake; `ON_RECV (response)`; `ON_DISCONNECT (state)` on every loss,
 * failed attempt and manual disconnect.
 */
export enum Events {
  ON_CONNECT = 'on_connect',
  ON_RECV = 'on_recv',
  ON_DISCONNECT = 'on_disconnect',
}
