/**
 * DEALER: asynchronous request-reply (RFC 28).
 *
 * @module
 */

import type {
  HelloMessageOptions,
  HiccupMessageOptions,
  SocketOptions,
} from "./options.ts";
import { Socket } from "./socket.ts";
import { FairQueue } from "./_fair_queue.ts";
import { LoadBalancer } from "./_load_balancer.ts";
import { defineOptionNames } from "./_option_names.ts";
import { peerMessage } from "./_peer_messages.ts";
import { combine, defineRouting } from "./_routing.ts";

/** Options of a {@linkcode Dealer}. */
export interface DealerOptions
  extends SocketOptions, HelloMessageOptions, HiccupMessageOptions {}

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
  #hello: Uint8Array | undefined;
  #hiccup: Uint8Array | undefined;
  /**
   * Makes a DEALER socket.
   *
   * @param options Socket options.
   */
  constructor(options: DealerOptions = {}) {
    const hello = peerMessage(options.helloMessage, "helloMessage");
    const hiccup = peerMessage(options.hiccupMessage, "hiccupMessage");
    super("DEALER", options);
    this.#hello = hello;
    this.#hiccup = hiccup;
    if (new.target === Dealer) Object.preventExtensions(this);
  }

  /** See {@linkcode HelloMessageOptions.helloMessage}. */
  get helloMessage(): Uint8Array | undefined {
    return this.#hello?.slice();
  }

  set helloMessage(value: string | Uint8Array | undefined) {
    this.#hello = peerMessage(value, "helloMessage");
  }

  /** See {@linkcode HiccupMessageOptions.hiccupMessage}. */
  get hiccupMessage(): Uint8Array | undefined {
    return this.#hiccup?.slice();
  }

  set hiccupMessage(value: string | Uint8Array | undefined) {
    this.#hiccup = peerMessage(value, "hiccupMessage");
  }
}

defineRouting("DEALER", () => combine(new LoadBalancer(), new FairQueue()));

defineOptionNames<DealerOptions, SocketOptions>()(Dealer, [
  "helloMessage",
  "hiccupMessage",
]);
