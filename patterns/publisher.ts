/**
 * PUB: the sending end of publish-subscribe (RFC 29).
 *
 * @module
 */

import type { SocketType } from "../codec/socket_type.ts";
import type { Pipe } from "./pipe.ts";
import { Socket, type SocketOptions } from "./socket.ts";

/**
 * Sends each message to every subscriber whose subscriptions match its
 * first frame (filtering happens here, at the publisher). A subscriber at
 * its high-water mark misses the message; `send` never waits.
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

  /**
   * Makes a PUB socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super((new.target as typeof Publisher).socketType, options);
  }

  protected override _send(frames: Uint8Array[]): boolean {
    const topic = frames[0];
    for (const pipe of this._pipes) {
      if (pipe.ready && !pipe.full && pipe.subscriptions.matches(topic)) {
        pipe.write(frames);
      }
    }
    return true;
  }

  protected override _subscription(
    pipe: Pipe,
    topic: Uint8Array,
    subscribe: boolean,
  ): void {
    if (subscribe) pipe.subscriptions.add(topic);
    else pipe.subscriptions.remove(topic);
  }

  protected override _arrived(pipe: Pipe): void {
    // A PUB has no use for messages from its subscribers: drop them.
    pipe.inbound.clear();
  }

  protected override _disconnected(pipe: Pipe): void {
    // The subscriber sends its subscriptions again when it reconnects.
    pipe.subscriptions.clear();
  }
}
