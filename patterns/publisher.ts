/**
 * PUB: the sending end of publish-subscribe (RFC 29).
 *
 * @module
 */

import type { SocketType } from "../codec/socket_type.ts";
import type { SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { coreOf } from "./_core.ts";
import { FanOut } from "./_fan_out.ts";
import type { Pipe } from "./_pipe.ts";
import { combine, defineRouting } from "./_routing.ts";
import { checkSwitch, defineOptionNames } from "./_option_names.ts";

/** Options of a {@linkcode Publisher}, with libzmq's meaning. */
export interface PublisherOptions extends SocketOptions {
  /** Send each message to the subscribers none of whose subscriptions match it, instead (ZMQ_INVERT_MATCHING; their SUBs must invert too). */
  invertMatching?: boolean | undefined;
  /** Make `send` wait instead of dropping when a subscriber is at its high-water mark (ZMQ_XPUB_NODROP, which libzmq takes on a PUB too). */
  xpubNoDrop?: boolean | undefined;
}

/**
 * Sends each message to every subscriber whose subscriptions match its
 * first frame (filtering happens here, at the publisher). A subscriber at
 * its high-water mark misses the message; `send` never waits, unless
 * {@linkcode PublisherOptions.xpubNoDrop} is set.
 *
 * @example
 * ```ts
 * import { Publisher } from "@zmtp/zmq";
 *
 * const publisher = new Publisher();
 * await publisher.bind("tcp://127.0.0.1:0");
 * await publisher.send(["weather", "sunny"]); // nobody listens: dropped
 * await publisher.close();
 * ```
 */
export class Publisher extends Socket {
  /** The ZMTP socket type a subclass announces (XPUB for {@linkcode XPublisher}). */
  static readonly socketType: SocketType = "PUB";
  #invertMatching = false;
  /** See {@linkcode PublisherOptions.invertMatching}. */
  get invertMatching(): boolean {
    return this.#invertMatching;
  }
  set invertMatching(on: boolean) {
    this.#invertMatching = checkSwitch("invertMatching", on);
  }
  #xpubNoDrop = false;
  /** See {@linkcode PublisherOptions.xpubNoDrop}. */
  get xpubNoDrop(): boolean {
    return this.#xpubNoDrop;
  }
  set xpubNoDrop(on: boolean) {
    this.#xpubNoDrop = checkSwitch("xpubNoDrop", on);
    // A send that waited for it goes now, dropped as the switch is off.
    coreOf(this).retrySends();
  }

  /**
   * Makes a PUB socket.
   *
   * @param options Socket and PUB options.
   */
  constructor(options: PublisherOptions = {}) {
    super((new.target as typeof Publisher).socketType, options);
    this.invertMatching = options.invertMatching ?? false;
    this.xpubNoDrop = options.xpubNoDrop ?? false;
    if (new.target === Publisher) Object.preventExtensions(this);
  }
}

defineRouting<Publisher>(
  "PUB",
  (socket, host) =>
    combine(new FanOut(host, true, socket), {
      // A PUB has no use for messages from its subscribers: drop them.
      arrived: (pipe: Pipe) => pipe.inbound.clear(),
      // A cancel may take a full subscriber out of a waiting send's way
      // (xpubNoDrop).
      subscription: () => host.retrySends(),
    }),
);

defineOptionNames<PublisherOptions, SocketOptions>()(Publisher, [
  "invertMatching",
  "xpubNoDrop",
]);
