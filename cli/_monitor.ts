/**
 * The socket's events: `--monitor` prints them on stderr, and a handshake
 * refused on an endpoint we connect to ends the command.
 *
 * @module
 */

import type { Socket, SocketEvent } from "../mod.ts";
import { CliError } from "./_errors.ts";
import { toHex } from "./_message.ts";

/** What {@linkcode watchEvents} does with the events. */
export interface WatchOptions {
  /** Print each event (`--monitor`). */
  print: boolean;
  /** The endpoints given to `--connect`: a handshake failing there is fatal. */
  connects: ReadonlySet<string>;
  /** Writes a line to stderr. */
  warn: (line: string) => void;
  /** Called with the error that ends the command. */
  onFatal: (error: CliError) => void;
}

/**
 * Reads a socket's events until it closes. A peer we connect to that
 * refuses the handshake (or that we refuse: wrong type, wrong key) ends the
 * command, as retrying would fail the same way; peers that connect to us
 * may fail without ending it.
 *
 * @example
 * ```ts
 * import { Pull } from "../mod.ts";
 * import { watchEvents } from "./_monitor.ts";
 *
 * const pull = new Pull();
 * const lines: string[] = [];
 * const watching = watchEvents(pull, {
 *   print: true,
 *   connects: new Set(),
 *   warn: (line) => lines.push(line),
 *   onFatal: () => {},
 * });
 * await pull.bind("tcp://127.0.0.1:0");
 * await pull.close();
 * await watching;
 * console.log(lines[0].startsWith("monitor: listening tcp://127.0.0.1:")); // true
 * ```
 *
 * @param socket The socket.
 * @param options What to do with the events.
 * @returns Settles when the socket is closed.
 */
export async function watchEvents(
  socket: Socket,
  options: WatchOptions,
): Promise<void> {
  for await (const event of socket.events) {
    if (options.print) options.warn(describeEvent(event));
    if (!("endpoint" in event) || !options.connects.has(event.endpoint)) {
      continue;
    }
    if (event.type === "handshake-failed") {
      options.onFatal(
        new CliError(
          `the handshake with ${event.endpoint} failed (${event.kind}): ${event.reason}`,
        ),
      );
    } else if (event.type === "connect-abandoned") {
      // Given up, as libzmq gives it up: nothing will come from there.
      options.onFatal(
        new CliError(`${event.endpoint} broke the protocol: ${event.reason}`),
      );
    }
  }
}

/**
 * An event as one line of `--monitor`.
 *
 * @example
 * ```ts
 * import { describeEvent } from "./_monitor.ts";
 *
 * console.log(describeEvent({ type: "accepted", endpoint: "tcp://127.0.0.1:5555" }));
 * // "monitor: accepted tcp://127.0.0.1:5555"
 * ```
 *
 * @param event The event.
 * @returns The line.
 */
export function describeEvent(event: SocketEvent): string {
  switch (event.type) {
    case "bind-failed":
      return `monitor: bind-failed ${event.endpoint} ${event.code}: ${event.reason}`;
    case "connect-retried":
      return `monitor: connect-retried ${event.endpoint} in ${event.interval} ms: ${event.reason}`;
    case "connect-abandoned":
      return `monitor: connect-abandoned ${event.endpoint}: ${event.reason}`;
    case "accept-failed":
      return `monitor: accept-failed ${event.endpoint} ${event.code}, retrying in ${event.interval} ms: ${event.reason}`;
    case "accept-refused":
      return `monitor: accept-refused ${event.endpoint}: ${event.maxConnections} peers already`;
    case "handshake-succeeded": {
      const peer = event.peer;
      const details = [
        peer?.socketType ? `peer ${peer.socketType}` : "",
        peer?.userId ? `user ${peer.userId}` : "",
        event.routingId ? `routing id ${toHex(event.routingId)}` : "",
      ].filter((part) => part !== "");
      return `monitor: handshake-succeeded ${event.endpoint}${
        details.length > 0 ? ` ${details.join(", ")}` : ""
      }`;
    }
    case "handshake-failed":
    case "protocol-error":
      return `monitor: ${event.type} ${event.endpoint} ${event.kind}: ${event.reason}`;
    case "closed":
      return `monitor: closed, ${event.dropped} dropped, ${event.unread} unread`;
    default:
      return `monitor: ${event.type} ${event.endpoint}`;
  }
}
