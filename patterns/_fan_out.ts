/**
 * Fan-out: each message to every ready peer, filtered by what each peer
 * subscribed to.
 *
 * @module
 */

import type { Message } from "./message.ts";
import type { Pipe } from "./_pipe.ts";
import type { Routing, RoutingHost } from "./_routing.ts";

/**
 * The outgoing strategy of PUB and XPUB (filtered by each subscriber's
 * prefixes, kept in its pipe) and of XSUB (unfiltered). A peer at its
 * high-water mark misses the message; `send` never waits.
 */
export class FanOut implements Routing {
  #host: RoutingHost;
  #filtered: boolean;

  /**
   * @param host The socket's pipes.
   * @param filtered Whether peers get only what they subscribed to.
   */
  constructor(host: RoutingHost, filtered: boolean) {
    this.#host = host;
    this.#filtered = filtered;
  }

  send(frames: Message): boolean {
    const topic = frames[0];
    for (const pipe of this.#host.pipes) {
      if (
        pipe.ready && !pipe.full &&
        (!this.#filtered || pipe.subscriptions.matches(topic))
      ) {
        pipe.write(frames);
      }
    }
    return true;
  }

  /** Whether a ready subscriber of this message is at its high-water mark. */
  blocked(frames: Message): boolean {
    for (const pipe of this.#host.pipes) {
      if (pipe.ready && pipe.full && pipe.subscriptions.matches(frames[0])) {
        return true;
      }
    }
    return false;
  }

  subscription(pipe: Pipe, topic: Uint8Array, subscribe: boolean): void {
    if (subscribe) pipe.subscriptions.add(topic);
    else pipe.subscriptions.remove(topic);
  }

  disconnected(pipe: Pipe): void {
    // The subscriber sends its subscriptions again when it reconnects.
    pipe.subscriptions.clear();
  }
}
