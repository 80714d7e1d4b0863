/**
 * SUB: the receiving end of publish-subscribe (RFC 29).
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";
import { FairQueue } from "./fair_queue.ts";
import type { Message } from "./message.ts";
import type { Pipe } from "./pipe.ts";
import { Socket, type SocketOptions } from "./socket.ts";
import { SubscriptionTrie } from "./subscription_trie.ts";

const _encoder = new TextEncoder();

/**
 * Receives the messages whose first frame starts with one of its
 * subscriptions. Subscriptions are counted (subscribe twice, cancel twice)
 * and sent again to a publisher after every reconnect.
 *
 * @example
 * ```ts
 * import { Publisher, Subscriber } from "@zmtp/zmq";
 *
 * const publisher = new Publisher();
 * await publisher.bind("tcp://127.0.0.1:0");
 * const subscriber = new Subscriber();
 * subscriber.subscribe("10001 ");
 * subscriber.connect(publisher.lastEndpoint!);
 * await subscriber.events.wait("handshake-succeeded");
 * await subscriber.close();
 * await publisher.close();
 * ```
 */
export class Subscriber extends Socket {
  #queue = new FairQueue();
  #subscriptions = new SubscriptionTrie();

  /** The ZMTP socket type a subclass announces (XSUB for {@linkcode XSubscriber}). */
  static readonly socketType: SocketType = "SUB";

  /**
   * Makes a SUB socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super((new.target as typeof Subscriber).socketType, options);
  }

  /**
   * Subscribes to messages starting with each prefix; with no prefix, to
   * every message.
   *
   * @param prefixes Strings (UTF-8) or bytes.
   */
  subscribe(...prefixes: (string | Uint8Array)[]): void {
    for (const topic of _topics(prefixes)) {
      this.#subscriptions.add(topic);
      this.#tellPublishers((connection) => connection.sendSubscribe(topic));
    }
  }

  /**
   * Cancels one subscription to each prefix; with no prefix, the
   * subscription to every message.
   *
   * @param prefixes Strings (UTF-8) or bytes.
   */
  unsubscribe(...prefixes: (string | Uint8Array)[]): void {
    for (const topic of _topics(prefixes)) {
      if (this.#subscriptions.remove(topic)) {
        this.#tellPublishers((connection) => connection.sendCancel(topic));
      }
    }
  }

  protected override _send(_frames: Uint8Array[]): boolean {
    throw new ZmqError(
      "ENOTSUP",
      "a SUB socket cannot send; use subscribe() and unsubscribe()",
    );
  }

  protected override _receive(): Message | undefined {
    while (true) {
      const item = this.#queue.take();
      if (!item) return undefined;
      // The publisher filters too, but may send before a cancel reaches it.
      if (this.#subscriptions.matches(item[1][0])) return item[1];
    }
  }

  protected override _ready(pipe: Pipe): boolean {
    for (const topic of this.#subscriptions.topics()) {
      pipe.writeControl((connection) => connection.sendSubscribe(topic));
    }
    return true;
  }

  protected override _arrived(pipe: Pipe): void {
    this.#queue.arrived(pipe);
  }

  #tellPublishers(
    action: Parameters<Pipe["writeControl"]>[0],
  ): void {
    for (const pipe of this._pipes) {
      if (pipe.ready) pipe.writeControl(action);
    }
  }
}

function _topics(prefixes: (string | Uint8Array)[]): Uint8Array[] {
  if (prefixes.length === 0) return [new Uint8Array()];
  return prefixes.map((prefix) =>
    typeof prefix === "string" ? _encoder.encode(prefix) : prefix
  );
}
