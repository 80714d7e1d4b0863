/**
 * XPUB: a publisher that hears its subscribers' subscriptions (RFC 29).
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";
import type { Message, OutboundMessage } from "./message.ts";
import { Publisher, type PublisherOptions } from "./publisher.ts";
import { prefixBytes } from "./subscriber.ts";
import { bytesKey } from "./_bytes_key.ts";
import { closedError, coreOf } from "./_core.ts";
import { FanOut } from "./_fan_out.ts";
import type { Pipe } from "./_pipe.ts";
import { Queue } from "../transport/_queue.ts";
import { defineRouting, type Routing, type RoutingHost } from "./_routing.ts";
import { checkSwitch, defineOptionNames } from "./_option_names.ts";
import { asBytes } from "./_as_bytes.ts";

/** Options of an {@linkcode XPublisher}, with libzmq's meaning. */
export interface XPublisherOptions extends PublisherOptions {
  /** Pass on every subscription, not only the first to a prefix (ZMQ_XPUB_VERBOSE). */
  xpubVerbose?: boolean | undefined;
  /** Pass on every subscription and every cancellation, not only the first and the last (ZMQ_XPUB_VERBOSER). */
  xpubVerboser?: boolean | undefined;
  /** A message sent to each subscriber as soon as it connects, once per peer this socket connects to (each connection with `immediate`), ahead of what is sent before its handshake; until then it waits in that peer's queue as if sent (close's linger waits for it) (ZMQ_XPUB_WELCOME_MSG). */
  xpubWelcomeMessage?: string | Uint8Array | undefined;
  /** Pass on every subscription and cancellation and apply none: the application applies them with {@linkcode XPublisher.subscribe} and {@linkcode XPublisher.unsubscribe} (ZMQ_XPUB_MANUAL). */
  xpubManual?: boolean | undefined;
}

/**
 * A PUB whose subscribers' subscriptions arrive as messages: `0x01`
 * followed by the prefix for a new subscription, `0x00` for a cancelled one
 * (by default only the first subscription to a prefix and its last
 * cancellation, as libzmq). A subscriber that leaves cancels its
 * subscriptions; one this socket connected to keeps them while its
 * connection is down, as in libzmq. As libzmq's XPUB, every frame of an XSUB peer's
 * message that starts with 0x01 or 0x00 is a subscription or cancellation
 * (ZMQ_ONLY_FIRST_SUBSCRIBE is off); its other frames are received as one
 * message, after the notices (libzmq splits a message around a notice
 * between its frames: `[d1, 0x01A, d2]` comes as `[d1, 0x01A]`, `[d2]`).
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
  #welcome: Uint8Array | undefined;
  #xpubManual = false;
  /** See {@linkcode XPublisherOptions.xpubManual}. */
  get xpubManual(): boolean {
    return this.#xpubManual;
  }
  set xpubManual(on: boolean) {
    this.#xpubManual = checkSwitch("xpubManual", on);
  }
  #everySubscription: boolean;
  #everyCancel: boolean;

  /**
   * Makes an XPUB socket.
   *
   * @param options Socket and XPUB options.
   */
  constructor(options: XPublisherOptions = {}) {
    super(options);
    this.#everyCancel = options.xpubVerboser ?? false;
    this.#everySubscription = (options.xpubVerbose ?? false) ||
      this.#everyCancel;
    this.xpubWelcomeMessage = options.xpubWelcomeMessage;
    this.xpubManual = options.xpubManual ?? false;
    if (new.target === XPublisher) Object.preventExtensions(this);
  }

  /** See {@linkcode XPublisherOptions.xpubWelcomeMessage}. */
  get xpubWelcomeMessage(): Uint8Array | undefined {
    return this.#welcome?.slice();
  }

  set xpubWelcomeMessage(value: string | Uint8Array | undefined) {
    // Checked as at construction: a string set here is sent too.
    this.#welcome = value === undefined
      ? undefined
      : new Uint8Array(asBytes(value, "xpubWelcomeMessage"));
  }

  /**
   * Whether every subscription is passed on (see
   * {@linkcode XPublisherOptions.xpubVerbose}; also set by `xpubVerboser`).
   * Setting it, as libzmq's ZMQ_XPUB_VERBOSE, passes cancellations on as
   * by default again: the last option set wins.
   */
  get xpubVerbose(): boolean {
    return this.#everySubscription;
  }

  set xpubVerbose(on: boolean) {
    this.#everySubscription = checkSwitch("xpubVerbose", on);
    this.#everyCancel = false;
  }

  /**
   * Whether every subscription and every cancellation are passed on (see
   * {@linkcode XPublisherOptions.xpubVerboser}). Setting it sets both, as
   * libzmq's ZMQ_XPUB_VERBOSER (`false`: neither).
   */
  get xpubVerboser(): boolean {
    return this.#everyCancel;
  }

  set xpubVerboser(on: boolean) {
    this.#everySubscription = this.#everyCancel = checkSwitch(
      "xpubVerboser",
      on,
    );
  }

  /**
   * With {@linkcode XPublisherOptions.xpubManual}: subscribes the peer
   * whose subscription or cancellation was received last to each prefix
   * (with none, to every message), as ZMQ_SUBSCRIBE on libzmq's XPUB.
   * Nothing happens once that peer has left.
   *
   * @example
   * ```ts
   * import { Subscriber, XPublisher } from "@zmtp/zmq";
   *
   * const xpub = new XPublisher({ xpubManual: true });
   * await xpub.bind("tcp://127.0.0.1:0");
   * const sub = new Subscriber();
   * sub.subscribe("alerts");
   * sub.connect(xpub.lastEndpoint!);
   * await xpub.receive(); // [0x01, ..."alerts"], applied to nothing yet
   * xpub.subscribe("alerts/critical"); // what that subscriber gets instead
   * await sub.close();
   * await xpub.close();
   * ```
   *
   * @param prefixes Strings (UTF-8) or bytes.
   * @throws {ZmqError} `EINVAL` without `xpubManual`, as libzmq; `ETERM` once
   * the socket is closed.
   */
  subscribe(...prefixes: (string | Uint8Array)[]): void {
    _routingOf(this).apply(true, prefixBytes(prefixes));
  }

  /**
   * With {@linkcode XPublisherOptions.xpubManual}: cancels a subscription
   * of the peer whose subscription or cancellation was received last to
   * each prefix, as ZMQ_UNSUBSCRIBE on libzmq's XPUB.
   *
   * @example
   * ```ts
   * import { XPublisher } from "@zmtp/zmq";
   *
   * const xpub = new XPublisher({ xpubManual: true });
   * xpub.unsubscribe("alerts"); // no peer heard from yet: nothing
   * await xpub.close();
   * ```
   *
   * @param prefixes Strings (UTF-8) or bytes.
   * @throws {ZmqError} `EINVAL` without `xpubManual`, as libzmq; `ETERM` once
   * the socket is closed.
   */
  unsubscribe(...prefixes: (string | Uint8Array)[]): void {
    _routingOf(this).apply(false, prefixBytes(prefixes));
  }
}

function _routingOf(xpub: XPublisher): _XPublisherRouting {
  if (coreOf(xpub).closed) throw closedError();
  if (!xpub.xpubManual) {
    throw new ZmqError(
      "EINVAL",
      "an XPublisher applies subscriptions itself unless made with xpubManual",
    );
  }
  return coreOf(xpub).routing as _XPublisherRouting;
}

/**
 * A subscription notice, with the peer it came from while that peer's
 * link was the one it is (xpubManual): `attachment` tells a peer gone and
 * back from the one that sent it.
 */
interface _Notice {
  frames: Message;
  from: Pipe | undefined;
  attachment: number;
}

/**
 * Fan-out filtered by subscription, and XPUB's rule: subscriptions become
 * messages for the application, in line with what XSUB peers send.
 */
class _XPublisherRouting implements Routing {
  readonly fansOut = true;
  #socket: XPublisher;
  #host: RoutingHost;
  #fanOut: FanOut;
  #subscribers = new Map<string, number>();
  /**
   * What the application reads, in the order it came, as libzmq's single
   * queue: a notice, or a pipe whose next inbound message comes now (the
   * message stays in its pipe, which counts it against the high-water
   * mark; a notice is not a peer's message and is never held back).
   */
  #arrivals = new Queue<_Notice | Pipe>();
  /** The notices among the arrivals. */
  #notices = 0;
  /** xpubManual: the peer whose notice was read last, what `apply` is for. */
  #last: Pipe | undefined;
  /** xpubManual: the notice `readable` set aside, read once it is taken. */
  #aside: _Notice | undefined;
  /** How often each peer has left: a notice from before is from no one. */
  #departures = new WeakMap<Pipe, number>();
  /** xpubManual: each peer's prefixes, for the cancellations its leaving makes. */
  #held = new Map<Pipe, Map<string, Uint8Array>>();
  /** Set once the socket's close has counted the notices: none is kept. */
  #closed = false;

  constructor(socket: XPublisher, host: RoutingHost) {
    this.#socket = socket;
    this.#host = host;
    this.#fanOut = new FanOut(host, true, socket);
  }

  send(frames: OutboundMessage): boolean {
    return this.#fanOut.send(frames);
  }

  receive(): Message | undefined {
    return this.#next(false);
  }

  peek(): Message | undefined {
    return this.#next(true);
  }

  tookAside(): void {
    if (this.#aside) this.#last = this.#sender(this.#aside);
    this.#aside = undefined;
  }

  /** As libzmq's xrecv: a notice whose peer has gone since names no one. */
  #sender(notice: _Notice): Pipe | undefined {
    const from = notice.from;
    return from && this.#host.pipes.has(from) &&
        (this.#departures.get(from) ?? 0) === notice.attachment
      ? from
      : undefined;
  }

  #next(aside: boolean): Message | undefined {
    let next;
    while ((next = this.#arrivals.shift()) !== undefined) {
      if ("frames" in next) {
        this.#notices--;
        if (aside) this.#aside = next;
        else this.#last = this.#sender(next);
        return next.frames;
      }
      const message = next.inbound.shift();
      if (message === undefined) continue;
      if (!next.inboundFull) next.link?.resume();
      return message;
    }
    return undefined;
  }

  unread(): number {
    return this.#notices;
  }

  dropUnread(): void {
    this.#closed = true;
    this.#arrivals = new Queue();
    this.#notices = 0;
    this.#aside = undefined;
    this.#last = undefined;
    this.#held.clear();
  }

  attach(pipe: Pipe): void {
    // When the pipe is made, as libzmq's xattach_pipe writes it: ahead of
    // what is sent before the handshake, once a `connect` (not at each
    // reconnect), once a link when accepted or `immediate`. An empty one
    // is none, as libzmq sends a welcome only when it has bytes.
    const welcome = this.#socket.xpubWelcomeMessage;
    // A copy each: an inproc peer gets the frame itself.
    if (welcome?.length) pipe.write([welcome.slice()]);
  }

  ready(pipe: Pipe): boolean {
    // Not a subscription the application hears of, as in libzmq.
    this.#fanOut.ready(pipe);
    return true;
  }

  subscription(pipe: Pipe, topic: Uint8Array, subscribe: boolean): void {
    const socket = this.#socket;
    const key = bytesKey(topic);
    if (socket.xpubManual) {
      // Each one told and none applied: the application applies them.
      let held = this.#held.get(pipe);
      if (subscribe) {
        if (!held) this.#held.set(pipe, held = new Map());
        held.set(key, topic);
      } else {
        held?.delete(key);
      }
      return this.#notify(subscribe ? 1 : 0, topic, pipe);
    }
    const count = this.#subscribers.get(key) ?? 0;
    if (subscribe) {
      const added = this.#fanOut.subscribe(pipe, topic);
      if (added) this.#subscribers.set(key, count + 1);
      // Verbose (set by xpubVerboser too): repeated subscriptions as well.
      if ((added && count === 0) || socket.xpubVerbose) this.#notify(1, topic);
      // Inverted, a subscription can take a full peer out of a send's way.
      if (socket.invertMatching) this.#host.retrySends();
    } else {
      const removed = this.#fanOut.cancel(pipe, topic);
      // A cancel of what this peer never subscribed to is passed on, as
      // libzmq's mtrie answers not_found and its XPUB notifies then.
      if (!removed) return this.#notify(0, topic);
      this.#forget(key, count);
      if (count === 1 || socket.xpubVerboser) this.#notify(0, topic);
      // A send held back for this peer (xpubNoDrop) may go now.
      this.#host.retrySends();
    }
  }

  arrived(pipe: Pipe): void {
    this.#arrivals.push(pipe);
  }

  detach(pipe: Pipe): void {
    this.#departures.set(pipe, (this.#departures.get(pipe) ?? 0) + 1);
    // What a departed XSUB sent stays readable, ahead of its cancellations.
    if (this.#socket.xpubManual) {
      // xpubManual: what it subscribed to is cancelled, each prefix told.
      const held = this.#held.get(pipe);
      this.#held.delete(pipe);
      // libzmq forgets the peer heard last whenever a peer's leaving
      // cancels something (its send_unsubscription), and when it leaves.
      if (this.#last === pipe || held?.size) this.#last = undefined;
      this.#fanOut.cancelAll(pipe);
      // In byte order (a key has a char per byte), as libzmq's trie.
      const keys = [...held?.keys() ?? []].sort();
      for (const key of keys) this.#notify(0, held!.get(key)!);
      this.#host.retrySends();
      return;
    }
    this.#unsubscribeAll(pipe);
  }

  /** xpubManual: applies prefixes to the peer whose notice was read last. */
  apply(subscribe: boolean, topics: Uint8Array[]): void {
    const pipe = this.#last;
    if (!pipe || !this.#host.pipes.has(pipe)) return;
    for (const topic of topics) {
      if (subscribe) this.#fanOut.subscribe(pipe, topic);
      else this.#fanOut.cancel(pipe, topic);
    }
    // A send held back for this peer (xpubNoDrop) may go now, as may one
    // for a peer an inverted subscription takes out of its way.
    this.#host.retrySends();
  }

  #unsubscribeAll(pipe: Pipe): void {
    for (const topic of this.#fanOut.cancelAll(pipe)) {
      const key = bytesKey(topic);
      const count = this.#subscribers.get(key) ?? 0;
      this.#forget(key, count);
      if (count === 1 || this.#socket.xpubVerboser) this.#notify(0, topic);
    }
  }

  #forget(key: string, count: number): void {
    if (count <= 1) this.#subscribers.delete(key);
    else this.#subscribers.set(key, count - 1);
  }

  #notify(flag: number, topic: Uint8Array, from?: Pipe): void {
    if (this.#closed) return;
    const notice = new Uint8Array(topic.length + 1);
    notice[0] = flag;
    notice.set(topic, 1);
    const attachment = from ? this.#departures.get(from) ?? 0 : 0;
    this.#arrivals.push({ frames: [notice], from, attachment });
    this.#notices++;
    // As a message arriving: a receive waiting takes it, or `poll` wakes.
    this.#host.delivered();
  }
}

defineRouting<XPublisher>(
  "XPUB",
  (socket, host) => new _XPublisherRouting(socket, host),
);

defineOptionNames<XPublisherOptions, PublisherOptions>()(XPublisher, [
  "xpubVerbose",
  "xpubVerboser",
  "xpubWelcomeMessage",
  "xpubManual",
]);
