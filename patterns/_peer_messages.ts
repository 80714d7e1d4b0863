/**
 * The messages of libzmq 4.3.5's draft options for a peer's connection
 * (ZMQ_HELLO_MSG, ZMQ_DISCONNECT_MSG, ZMQ_HICCUP_MSG): the socket's own
 * values, checked as the application's bytes are.
 *
 * @module
 */

import { asBytes } from "./_as_bytes.ts";

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
  const bytes = typeof value === "string"
    ? asBytes(value, name)
    : asBytes(value, name).slice();
  return bytes.length > 0 ? bytes : undefined;
}
