/**
 * CLIENT: the asking end of CLIENT/SERVER (RFC 41, draft).
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
import { defineRouting } from "./_routing.ts";
import { singleFrameRouting } from "./_single_frame.ts";

/** Options of a {@linkcode Client}. */
export interface ClientOptions
  extends SocketOptions, HelloMessageOptions, HiccupMessageOptions {}

/**
 * Sends single-frame messages round-robin to its SERVER peers and receives
 * from all of them, fair-queued. `send` waits while no peer has room. A
 * multipart send fails with `EINVAL`; a multipart message from a peer is
 * dropped.
 *
 * @example
 * ```ts
 * import { Client, Server } from "@zmtp/zmq";
 *
 * const server = new Server();
 * await server.bind("tcp://127.0.0.1:0");
 * const client = new Client();
 * client.connect(server.lastEndpoint!);
 * await client.send("hello");
 * const { routingId } = await server.receive();
 * await server.send("welcome", { routingId });
 * const [reply] = await client.receive();
 * console.log(new TextDecoder().decode(reply)); // "welcome"
 * await client.close();
 * await server.close();
 * ```
 */
export class Client extends Socket {
  #hello: Uint8Array | undefined;
  #hiccup: Uint8Array | undefined;
  /**
   * Makes a CLIENT socket.
   *
   * @param options Socket options.
   */
  constructor(options: ClientOptions = {}) {
    const hello = peerMessage(options.helloMessage, "helloMessage");
    const hiccup = peerMessage(options.hiccupMessage, "hiccupMessage");
    super("CLIENT", options);
    this.#hello = hello;
    this.#hiccup = hiccup;
    if (new.target === Client) Object.preventExtensions(this);
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

defineRouting(
  "CLIENT",
  () => singleFrameRouting("CLIENT", new LoadBalancer(), new FairQueue()),
);

defineOptionNames<ClientOptions, SocketOptions>()(Client, [
  "helloMessage",
  "hiccupMessage",
]);
