/**
 * SCATTER: the sending end of SCATTER/GATHER (RFC 49, draft).
 *
 * @module
 */

import type { SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { LoadBalancer } from "./_load_balancer.ts";
import { defineRouting } from "./_routing.ts";
import { singleFrameRouting } from "./_single_frame.ts";

/**
 * PUSH with single frames: sends each message to one GATHER peer,
 * round-robin; `send` waits while no peer has room (or there is none). A
 * multipart send fails with `EINVAL`.
 *
 * @example
 * ```ts
 * import { Gather, Scatter } from "@zmtp/zmq";
 *
 * const gather = new Gather();
 * await gather.bind("tcp://127.0.0.1:0");
 * const scatter = new Scatter();
 * scatter.connect(gather.lastEndpoint!);
 * await scatter.send("task 1");
 * console.log(new TextDecoder().decode((await gather.receive())[0])); // "task 1"
 * await scatter.close();
 * await gather.close();
 * ```
 */
export class Scatter extends Socket {
  /**
   * Makes a SCATTER socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("SCATTER", options);
    if (new.target === Scatter) Object.preventExtensions(this);
  }
}

defineRouting(
  "SCATTER",
  () => singleFrameRouting("SCATTER", new LoadBalancer()),
);
