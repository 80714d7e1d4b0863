/**
 * PUSH: the sending end of a pipeline (RFC 30).
 *
 * @module
 */

import type { SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { LoadBalancer } from "./_load_balancer.ts";
import { combine, defineRouting } from "./_routing.ts";

/**
 * Sends each message to one PULL peer, round-robin. When no peer has room
 * (or there is no peer yet), `send` waits.
 *
 * @example
 * ```ts
 * import { Pull, Push } from "@zmtp/zmq";
 *
 * const sink = new Pull();
 * await sink.bind("tcp://127.0.0.1:0");
 * const ventilator = new Push();
 * ventilator.connect(sink.lastEndpoint!);
 * await ventilator.send("task 1");
 * console.log(new TextDecoder().decode((await sink.receive())[0])); // "task 1"
 * await ventilator.close();
 * await sink.close();
 * ```
 */
export class Push extends Socket {
  /**
   * Makes a PUSH socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("PUSH", options);
    if (new.target === Push) Object.preventExtensions(this);
  }
}

defineRouting("PUSH", () => combine(new LoadBalancer()));
