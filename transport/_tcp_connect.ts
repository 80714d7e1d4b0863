/**
 * A TCP connect that a signal gives up at once and a deadline bounds.
 *
 * @module
 */

import { patientTimeout } from "./_deadlines.ts";

/** How long a connect given up may still complete before it is cancelled. */
const CANCEL_AFTER_MS = 50;

/**
 * Connects, or gives up when `signal` aborts or `timeout` ms have passed
 * (0: the system's limit, minutes for a host that never answers; libzmq's
 * ZMQ_CONNECT_TIMEOUT). A connect given up is cancelled a moment later,
 * unless it completes (and is closed) meanwhile, as Deno's `signal`,
 * aborted as the connect completes, loses the connection unclosed; the
 * promise rejects once it is settled, so no attempt outlives it (a socket
 * closes with none pending, the next attempt starts with none left over).
 *
 * @param hostname The host to reach.
 * @param port Its port.
 * @param signal Gives the connect up (a socket closing).
 * @param timeout Milliseconds the connect may take; 0 for no limit.
 * @returns The connection.
 */
export function connectTcp(
  hostname: string,
  port: number,
  signal: AbortSignal,
  timeout: number,
): Promise<Deno.TcpConn> {
  if (signal.aborted) return Promise.reject(signal.reason);
  const cancel = new AbortController();
  const connecting = Deno.connect({ hostname, port, signal: cancel.signal });
  return new Promise((resolve, reject) => {
    let cancelTimer: ReturnType<typeof setTimeout> | undefined;
    let clearDeadline: (() => void) | undefined;
    let givenUp: { reason: unknown } | undefined;
    const giveUp = (reason: unknown) => {
      if (givenUp) return;
      givenUp = { reason };
      clearDeadline?.();
      cancelTimer = setTimeout(() => cancel.abort(), CANCEL_AFTER_MS);
    };
    const abort = () => giveUp(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    // Patient: a connect made while the app was busy is taken, not timed out.
    if (timeout > 0) {
      clearDeadline = patientTimeout(() =>
        giveUp(
          new Error(
            `no connection to ${hostname}:${port} within ${timeout} ms (connectTimeout)`,
          ),
        ), timeout);
    }
    const settle = () => {
      clearTimeout(cancelTimer);
      clearDeadline?.();
      signal.removeEventListener("abort", abort);
    };
    connecting.then((conn) => {
      settle();
      if (!givenUp) return resolve(conn);
      conn.close();
      reject(givenUp.reason);
    }, (error) => {
      settle();
      reject(givenUp ? givenUp.reason : error);
    });
  });
}
