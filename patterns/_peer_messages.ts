/**
 * The messages of libzmq 4.3.5's draft options for a peer's connection
 * (ZMQ_HELLO_MSG, ZMQ_DISCONNECT_MSG, ZMQ_HICCUP_MSG): the socket's own
 * values, checked as the application's bytes are, and the farewells
 * delivered when a peer's link ends.
 *
 * @module
 */

import { asBytes } from "./_as_bytes.ts";
import type { Pipe } from "./_pipe.ts";
import type { Routing } from "./_routing.ts";

/**
 * An option's message as the socket keeps it: a copy (as libzmq's
 * setsockopt copies), `undefined` for none or an empty one (libzmq sends
 * none then).
 *
 * @param value What the application gave.
 * @param name The option, for the error.
 * @returns The bytes to send or deliver, if any.
 * @throws {ZmqError} `EINVAL` for a value that is no string nor bytes.
 */
export function peerMessage(
  value: unknown,
  name: string,
): Uint8Array | undefined {
  if (value === undefined) return undefined;
  // A copy whatever the view (a Node Buffer's `slice` shares its memory).
  const bytes = typeof value === "string"
    ? asBytes(value, name)
    : new Uint8Array(asBytes(value, name));
  return bytes.length > 0 ? bytes : undefined;
}

/** What a farewell needs of the socket. */
export interface FarewellHost {
  readonly routing: Routing;
  readonly closed: boolean;
  /** A message was queued for reading. */
  delivered(): void;
}

/** The farewell messages a socket was given, if any. */
export interface Farewells {
  readonly disconnectMessage?: Uint8Array | undefined;
  readonly hiccupMessage?: Uint8Array | undefined;
}

/**
 * A peer lost after its handshake, as libzmq's session tells its socket
 * when its engine fails: an accepted one's end is received as the
 * disconnect message, a connect's as the hiccup message (not inproc's,
 * which has no session), each as if that peer sent it.
 *
 * @param host The socket.
 * @param farewells Its messages.
 * @param pipe The peer's pipe, whose link just ended.
 */
export function sayFarewell(
  host: FarewellHost,
  farewells: Farewells,
  pipe: Pipe,
): void {
  const routing = host.routing;
  // Not for a peer unheard (a ROUTER's rival for a routing id): libzmq's
  // pipe for it is gone, or never read.
  const unheard = pipe.unheard || routing.heard?.(pipe) === false;
  if (pipe.closedHere || host.closed || unheard) return;
  const farewell = pipe.accepted
    ? farewells.disconnectMessage
    : pipe.transport?.inProcess
    ? undefined
    : farewells.hiccupMessage;
  if (!farewell) return;
  // Conflating, it replaces what is unread, as a message arriving does.
  const queued = pipe.conflate && pipe.inbound.length > 0;
  if (queued) pipe.inbound.clear();
  pipe.inbound.push([farewell.slice()]); // the application's to change
  if (!queued) routing.arrived?.(pipe);
  host.delivered();
}
