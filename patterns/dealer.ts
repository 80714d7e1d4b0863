/**
 * DEALER: asynchronous request-reply (RFC 28).
 *
 * @module
 */

import { FairQueue } from "./fair_queue.ts";
import { LoadBalancer } from "./load_balancer.ts";
import type { Message } from "./message.ts";
import type { Pipe } from "./pipe.ts";
import { Socket, type SocketOptions } from "./socket.ts";

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
  #balancer = new LoadBalancer();
  #queue = new FairQueue();

  /**
   * Makes a DEALER socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("DEALER", options);
  }

  protected override _send(frames: Uint8Array[]): boolean {
    return this.#balancer.send(frames) !== undefined;
  }

  protected override _receive(): Message | undefined {
    return this.#queue.take()?.[1];
  }

  protected override _attach(pipe: Pipe): void {
    this.#balancer.add(pipe);
  }

  protected override _detach(pipe: Pipe): void {
    this.#balancer.remove(pipe);
  }

  protected override _arrived(pipe: Pipe): void {
    this.#queue.arrived(pipe);
  }
}
