/**
 * XSUB: a subscriber whose subscriptions are messages, for proxies (RFC 29).
 *
 * @module
 */

import type { SocketType } from "../codec/socket_type.ts";
import { Subscriber, type SubscriberOptions } from "./subscriber.ts";

/**
 * A SUB that subscribes by sending messages: `0x01` followed by the prefix
 * subscribes, `0x00` followed by the prefix cancels, as libzmq's XSUB. Any
 * other message goes to every connected publisher. What arrives is not
 * matched here (publishers filter), as libzmq's XSUB: a publisher that
 * sends more is heard. Put it opposite an
 * {@linkcode XPublisher} in a {@linkcode proxy} to forward subscriptions
 * upstream.
 *
 * @example
 * ```ts
 * import { XSubscriber } from "@zmtp/zmq";
 *
 * const xsub = new XSubscriber();
 * await xsub.send(new Uint8Array([1, ...new TextEncoder().encode("weather")]));
 * await xsub.close();
 * ```
 */
export class XSubscriber extends Subscriber {
  /** Announced as XSUB. */
  static override readonly socketType: SocketType = "XSUB";

  /**
   * Makes an XSUB socket.
   *
   * @param options Socket options.
   */
  constructor(options: SubscriberOptions = {}) {
    super(options);
    if (new.target === XSubscriber) Object.preventExtensions(this);
  }
}
