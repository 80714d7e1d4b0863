/**
 * The rule of every send on a connection: only once ready.
 *
 * @module
 */

import type { ConnectionState } from "./connection_event.ts";
import { ZmqError } from "./errors.ts";

/**
 * Throws unless a connection in `state` may send.
 *
 * @param state Where the connection is in its life.
 * @throws {ZmqError} `EFSM`, saying what to do.
 */
export function assertReady(state: ConnectionState): void {
  if (state === "ready") return;
  throw new ZmqError(
    "EFSM",
    state === "failed"
      ? "cannot send on a failed connection: write out its output, then close it"
      : `cannot send on a connection in state ${state}: wait for its "ready" event`,
  );
}
