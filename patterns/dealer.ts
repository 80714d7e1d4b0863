/**
 * DEALER: asynchronous request-reply (RFC 28).
 *
 * @module
 */

import type { SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { FairQueue } from "./_fair_queue.ts";
import { LoadBalancer } from "./_load_balancer.ts";
import { combine, defineRouting } from "./_routing.ts";

/**
 * Sends round-robin to its peers and receives from all, fair-queued, with
 * no envelope handling: to talk to a REP, send an empty delimiter frame
 * first.
 *
 * @example
 * ```ts
 * import { Dealer, Router } from "@zmtp/zmq";
 *
 * const router = new Router();
 * await router.bind("tcp://127.0.0.1:0");
 * const dealer = new Dealer({ routingId: "A" });
 * dealer.connect(router.lastEndpoint!);
 * await dealer.send("hi");
 * const [id, body] = await router.receive();
 * await router.send([id, "hello A"]);
 * console.log(new TextDecoder().decode((await dealer.receive())[0])); // "hello A"
 * await dealer.close();
 * await router.close();
 * ```
 */
export class Dealer extends Socket {
  /**
   * Makes a DEALER socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("DEALER", options);
  }
}

defineRouting("DEALER", () => combine(new LoadBalancer(), new FairQueue()));
