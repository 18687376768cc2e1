const EXIT_CODES = `Exit codes: 0 ok, 1 unreachable / timeout / failure, 2 bad arguments.`
const COMMON = `  --json              one JSON object per line on stdout (errors too), no colours
  -h, --help          this help`

export const HELP: Record<string, string> = {
  top: `Usage: veltix <command> [options]

Talk to any Veltix 1.6.3 peer (this library or the Python one) from a shell.

Commands:
  ping HOST:PORT      handshake, then PING round trips in ms
  send HOST:PORT      send one message (--wait prints the reply)
  listen              a server printing every message it gets
  serve --echo        an echo server (same type, content, request id)

HOST:PORT is 127.0.0.1:8080, [::1]:8080 or a bare port (on 127.0.0.1).
Colours only on a terminal; NO_COLOR turns them off, FORCE_COLOR on.
Run 'veltix <command> --help' for a command's options; 'veltix --version' for the version.
${EXIT_CODES}`,

  ping: `Usage: veltix ping HOST:PORT [--count N] [--interval MS] [--timeout MS] [--json]

Connects (handshake included), sends N PINGs and prints each round trip in ms, then a summary.

  -c, --count N       pings to send (default 1)
  -i, --interval MS   pause between pings (default 1000)
  -t, --timeout MS    connect timeout and wait for each PONG (default 5000)
${COMMON}

Exit 0 when every ping was answered; 1 when the peer is unreachable or a ping got no answer.
${EXIT_CODES}`,

  send: `Usage: veltix send HOST:PORT --type N [--wait] [--timeout MS] [--hex] [--json] PAYLOAD

Connects and sends one message of type N (200-65535) with PAYLOAD as UTF-8 text (or as hex bytes with
--hex; an empty payload is ''). With --wait, waits for the reply (a message carrying the same request id)
and prints its type, request id, round trip and content (text, or hex when it is not printable UTF-8).

  --type N            message type code, 200-65535 (0-199 are the protocol's own)
  -w, --wait          wait for the reply (sendAndWait) and print it
  -t, --timeout MS    connect timeout and wait for the reply (default 5000)
  --hex               PAYLOAD is hex (e.g. 00ff10)
${COMMON}

Exit 0 when sent (and, with --wait, answered); 1 when unreachable or no reply came in time.
${EXIT_CODES}`,

  listen: `Usage: veltix listen [--port N] [--host H] [--count N] [--json]

A server printing every message it gets: time, client, type, request id, size, and the content as text (or
hex when it is not printable UTF-8); connects and disconnects too. It answers pings, never messages.
Stops on Ctrl-C / SIGTERM (exit 0), or after --count messages.

  -p, --port N        port, 0 = any free one (default 8080); the first line says which
  --host H            address to listen on (default 0.0.0.0, every interface)
  -c, --count N       exit after N messages
${COMMON}

Exit 0 on a normal stop; 1 when the port cannot be listened on.
${EXIT_CODES}`,

  serve: `Usage: veltix serve --echo [--port N] [--host H] [--json]

A server answering every message with the same type, content and request id (so a client's sendAndWait
gets it back), printing one line per echo. Stops on Ctrl-C / SIGTERM (exit 0).

  --echo              echo every message (the behaviour; required)
  -p, --port N        port, 0 = any free one (default 8080); the first line says which
  --host H            address to listen on (default 0.0.0.0, every interface)
${COMMON}

Exit 0 on a normal stop; 1 when the port cannot be listened on.
${EXIT_CODES}`,
}
