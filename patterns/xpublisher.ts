/**
 * XPUB: a publisher that hears its subscribers' subscriptions (RFC 29).
 *
 * @module
 */

import type { SocketType } from "../codec/socket_type.ts";
import { FairQueue } from "./fair_queue.ts";
import type { Message } from "./message.ts";
import type { Pipe } from "./pipe.ts";
import { bytesKey } from "./_bytes_key.ts";
import { Publisher } from "./publisher.ts";
import type { SocketOptions } from "./socket.ts";
import { Queue } from "./_queue.ts";

/** Options of an {@linkcode XPublisher}, with libzmq's meaning. */
export interface XPublisherOptions extends SocketOptions {
  /** Pass on every subscription, not only the first to a prefix (ZMQ_XPUB_VERBOSE). */
  xpubVerbose?: boolean;
  /** Also pass on every cancellation, not only the last (ZMQ_XPUB_VERBOSER). */
  xpubVerboser?: boolean;
  /** Make `send` wait instead of dropping when a subscriber is at its high-water mark (ZMQ_XPUB_NODROP). */
  xpubNoDrop?: boolean;
  /** A message sent to each subscriber as soon as it connects (ZMQ_XPUB_WELCOME_MSG). */
  xpubWelcomeMessage?: string | Uint8Array;
}

/**
 * A PUB whose subscribers' subscriptions arrive as messages: `0x01`
 * followed by the prefix for a new subscription, `0x00` for a cancelled one
 * (by default only the first subscription to a prefix and its last
 * cancellation, as libzmq). A subscriber that leaves cancels its
 * subscriptions. Other messages from XSUB peers are received as they are.
 *
 * @example
 * ```ts
 * import { Subscriber, XPublisher } from "@zmtp/zmq";
 *
 * const xpub = new XPublisher();
 * await xpub.bind("tcp://127.0.0.1:0");
 * const sub = new Subscriber();
 * sub.subscribe("weather");
 * sub.connect(xpub.lastEndpoint!);
 * const [subscription] = await xpub.receive();
 * console.log(subscription[0], new TextDecoder().decode(subscription.subarray(1))); // 1 "weather"
 * await sub.close();
 * await xpub.close();
 * ```
 */
export class XPublisher extends Publisher {
  /** Announced as XPUB. */
  static override readonly socketType: SocketType = "XPUB";
  /** See {@linkcode XPublisherOptions.xpubVerbose}. */
  xpubVerbose: boolean;
  /** See {@linkcode XPublisherOptions.xpubVerboser}. */
  xpubVerboser: boolean;
  /** See {@linkcode XPublisherOptions.xpubNoDrop}. */
  xpubNoDrop: boolean;
  /** See {@linkcode XPublisherOptions.xpubWelcomeMessage}. */
  xpubWelcomeMessage: Uint8Array | undefined;
  #subscribers = new Map<string, number>();
  #notices = new Queue<Message>();
  #queue = new FairQueue();

  /**
   * Makes an XPUB socket.
   *
   * @param options Socket and XPUB options.
   */
  constructor(options: XPublisherOptions = {}) {
    super(options);
    this.xpubVerbose = options.xpubVerbose ?? false;
    this.xpubVerboser = options.xpubVerboser ?? false;
    this.xpubNoDrop = options.xpubNoDrop ?? false;
    this.xpubWelcomeMessage = typeof options.xpubWelcomeMessage === "string"
      ? new TextEncoder().encode(options.xpubWelcomeMessage)
      : options.xpubWelcomeMessage;
  }

  protected override _send(frames: Uint8Array[]): boolean {
    if (this.xpubNoDrop) {
      for (const pipe of this._pipes) {
        if (pipe.ready && pipe.full && pipe.subscriptions.matches(frames[0])) {
          return false;
        }
      }
    }
    return super._send(frames);
  }

  protected override _receive(): Message | undefined {
    return this.#notices.shift() ?? this.#queue.take()?.[1];
  }

  protected override _ready(pipe: Pipe): boolean {
    if (this.xpubWelcomeMessage) pipe.write([this.xpubWelcomeMessage]);
    return true;
  }

  protected override _subscription(
    pipe: Pipe,
    topic: Uint8Array,
    subscribe: boolean,
  ): void {
    const key = bytesKey(topic);
    const count = this.#subscribers.get(key) ?? 0;
    if (subscribe) {
      const added = pipe.subscriptions.add(topic);
      if (added) this.#subscribers.set(key, count + 1);
      if ((added && count === 0) || this.xpubVerbose) this.#notify(1, topic);
    } else {
      const removed = pipe.subscriptions.remove(topic);
      if (!removed) return;
      this.#forget(key, count);
      if (count === 1 || this.xpubVerboser) this.#notify(0, topic);
    }
  }

  protected override _arrived(pipe: Pipe): void {
    this.#queue.arrived(pipe);
  }

  protected override _disconnected(pipe: Pipe): void {
    this.#unsubscribeAll(pipe);
    super._disconnected(pipe);
  }

  protected override _detach(pipe: Pipe): void {
    this.#unsubscribeAll(pipe);
    this.#queue.remove(pipe);
  }

  #unsubscribeAll(pipe: Pipe): void {
    for (const topic of pipe.subscriptions.topics()) {
      const key = bytesKey(topic);
      const count = this.#subscribers.get(key) ?? 0;
      this.#forget(key, count);
      if (count === 1 || this.xpubVerboser) this.#notify(0, topic);
    }
    pipe.subscriptions.clear();
  }

  #forget(key: string, count: number): void {
    if (count <= 1) this.#subscribers.delete(key);
    else this.#subscribers.set(key, count - 1);
  }

  #notify(flag: number, topic: Uint8Array): void {
    const notice = new Uint8Array(topic.length + 1);
    notice[0] = flag;
    notice.set(topic, 1);
    this.#notices.push([notice]);
    this._retryReceives();
  }
}
