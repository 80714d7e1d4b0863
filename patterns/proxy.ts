/**
 * The proxy: forwarding between two sockets, like `zmq_proxy`.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { Socket } from "./socket.ts";

/** Options of {@linkcode proxy}. */
export interface ProxyOptions {
  /** Every message forwarded, either way, is also sent here (a PUB, PUSH or PAIR). */
  capture?: Socket;
  /** Stops the proxy when aborted. */
  signal?: AbortSignal;
}

const _CANNOT_RECEIVE = new Set(["PUB", "PUSH"]);
const _CANNOT_SEND = new Set(["SUB", "PULL"]);

/**
 * Forwards messages from `frontend` to `backend` and, where both can, back
 * again, until the signal aborts or a socket closes: XSUB↔XPUB carries
 * subscriptions upstream, ROUTER↔DEALER carries request envelopes both ways,
 * PULL→PUSH makes a streamer.
 *
 * @example The guide's broker (rrbroker)
 * ```ts
 * import { Dealer, proxy, Router } from "@zmtp/zmq";
 *
 * const frontend = new Router();
 * await frontend.bind("tcp://127.0.0.1:0");
 * const backend = new Dealer();
 * await backend.bind("tcp://127.0.0.1:0");
 * const stop = new AbortController();
 * const running = proxy(frontend, backend, { signal: stop.signal });
 * stop.abort();
 * await running;
 * await frontend.close();
 * await backend.close();
 * ```
 *
 * @param frontend The socket facing clients.
 * @param backend The socket facing services.
 * @param options A capture socket and an abort signal.
 * @returns Settles when the proxy stops (signal aborted or a socket closed).
 */
export async function proxy(
  frontend: Socket,
  backend: Socket,
  options: ProxyOptions = {},
): Promise<void> {
  const { capture } = options;
  // Either direction ending (a socket closed) stops the other one too.
  const stop = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([options.signal, stop.signal])
    : stop.signal;
  const forward = async (from: Socket, to: Socket): Promise<void> => {
    try {
      while (true) {
        const message = await from.receive({ signal });
        if (capture) await capture.send(message, { signal });
        await to.send(message, { signal });
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ZmqError && error.code === "ETERM") return;
      throw error;
    } finally {
      stop.abort();
    }
  };
  const directions = [forward(frontend, backend)];
  if (!_CANNOT_RECEIVE.has(backend.type) && !_CANNOT_SEND.has(frontend.type)) {
    directions.push(forward(backend, frontend));
  }
  await Promise.all(directions);
}
