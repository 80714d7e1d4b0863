/**
 * SUB: the receiving end of publish-subscribe (RFC 29).
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import { splitSubscriptions } from "../codec/_subscriptions.ts";
import type { SocketType } from "../codec/socket_type.ts";
import type { MessageWriter } from "../transport/transport.ts";
import type { Message, OutboundMessage } from "./message.ts";
import type { SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { closedError, coreOf } from "./_core.ts";
import { FairQueue } from "./_fair_queue.ts";
import { bytesKey } from "./_bytes_key.ts";
import { FanOut } from "./_fan_out.ts";
import type { Pipe } from "./_pipe.ts";
import { defineRouting, type Routing, type RoutingHost } from "./_routing.ts";
import { SubscriptionTrie } from "./_subscription_trie.ts";
import { checkSwitch, defineOptionNames } from "./_option_names.ts";
import { asBytes } from "./_as_bytes.ts";

/** Options of a {@linkcode Subscriber}, with libzmq's meaning. */
export interface SubscriberOptions extends SocketOptions {
  /** Receive only the messages none of the subscriptions match (ZMQ_INVERT_MATCHING; for a PUB that inverts too). An XSUB does not filter, so it takes no notice. */
  invertMatching?: boolean | undefined;
}

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
  /** The ZMTP socket type a subclass announces (XSUB for {@linkcode XSubscriber}). */
  static readonly socketType: SocketType = "SUB";
  #invertMatching = false;
  /** See {@linkcode SubscriberOptions.invertMatching}. */
  get invertMatching(): boolean {
    return this.#invertMatching;
  }
  set invertMatching(on: boolean) {
    this.#invertMatching = checkSwitch("invertMatching", on);
  }

  /**
   * Makes a SUB socket.
   *
   * @param options Socket and SUB options.
   */
  constructor(options: SubscriberOptions = {}) {
    super((new.target as typeof Subscriber).socketType, options);
    this.invertMatching = options.invertMatching ?? false;
    if (new.target === Subscriber) Object.preventExtensions(this);
  }

  /**
   * Subscribes to messages starting with each prefix; with no prefix, to
   * every message.
   *
   * @param prefixes Strings (UTF-8) or bytes.
   * @throws {ZmqError} `ETERM` once the socket is closed.
   */
  subscribe(...prefixes: (string | Uint8Array)[]): void {
    _routingOf(this).subscribe(prefixBytes(prefixes));
  }

  /**
   * Cancels one subscription to each prefix; with no prefix, the
   * subscription to every message.
   *
   * @param prefixes Strings (UTF-8) or bytes.
   * @throws {ZmqError} `ETERM` once the socket is closed.
   */
  unsubscribe(...prefixes: (string | Uint8Array)[]): void {
    _routingOf(this).unsubscribe(prefixBytes(prefixes));
  }
}

function _routingOf(socket: Subscriber): SubscriberRouting {
  const core = coreOf(socket);
  // ETERM, as our send on a closed socket (libzmq's setsockopt: ENOTSOCK).
  if (core.closed) throw closedError();
  return core.routing as SubscriberRouting;
}

/**
 * Subscription changes waiting for a pipe at least (or as many as its peer
 * holds and the socket has, if more), before a snapshot replaces them.
 */
const _IN_LINE_MOST = 1024;

/**
 * Fair-queued in, and SUB's rule: keep only what matches a subscription,
 * and tell every publisher the subscriptions (again after a reconnect).
 */
class SubscriberRouting implements Routing {
  #host: RoutingHost;
  #socket: Subscriber;
  #queue = new FairQueue();
  #subscriptions = new SubscriptionTrie();
  /**
   * What each pipe's current peer holds: the subscriptions written to its
   * link and not cancelled since (a publisher keeps a set per peer), for
   * the cancels a snapshot must still send.
   */
  #held = new WeakMap<Pipe, Map<string, Uint8Array>>();
  /** The snapshot each pipe has waiting, if any (see #queueSnapshot). */
  #snapshots = new WeakMap<Pipe, _Snapshot>();

  /** Whether what arrives is matched here too: not by an XSUB, as libzmq's. */
  #filters: boolean;

  constructor(socket: Subscriber, host: RoutingHost, filters = true) {
    this.#socket = socket;
    this.#host = host;
    this.#filters = filters;
  }

  subscribe(topics: Uint8Array[]): void {
    for (const given of topics) {
      // Copied, as libzmq's setsockopt copies: what is told later, and
      // what a peer holds, must not change with the caller's buffer (not
      // with slice(), which a Node Buffer answers with a view).
      const topic = new Uint8Array(given);
      this.#freezeSnapshots();
      this.#subscriptions.add(topic);
      this.#tellPublishers(topic, true);
    }
  }

  unsubscribe(topics: Uint8Array[]): void {
    for (const given of topics) {
      const topic = new Uint8Array(given);
      this.#freezeSnapshots();
      if (this.#subscriptions.remove(topic)) {
        this.#tellPublishers(topic, false);
      }
    }
  }

  writable(): boolean {
    return false;
  }

  send(_frames: OutboundMessage): boolean {
    throw new ZmqError(
      "ENOTSUP",
      "a SUB socket cannot send; use subscribe() and unsubscribe()",
    );
  }

  receive(): Message | undefined {
    while (true) {
      const message = this.#queue.receive();
      if (!message) return undefined;
      // The publisher filters too, but may send before a cancel reaches it.
      if (
        !this.#filters ||
        this.#subscriptions.matches(message[0]) !== this.#socket.invertMatching
      ) {
        return message;
      }
    }
  }

  /**
   * Every subscription, to a pipe that joins (a connect's at once, before
   * what is sent to it), and again after each link it loses (the link took
   * what it had not written), in line with what is queued: as libzmq's
   * XSUB at xattach_pipe and at each hiccup.
   */
  attach(pipe: Pipe): void {
    this.#held.delete(pipe); // a new peer (`immediate`'s each link too)
    this.#queueSnapshot(pipe);
  }

  disconnected(pipe: Pipe): void {
    this.#held.delete(pipe);
    this.#queueSnapshot(pipe);
  }

  arrived(pipe: Pipe): void {
    this.#queue.arrived(pipe);
  }

  /**
   * In line with what an XSUB sends, after the messages queued before, to
   * every pipe attached: connected or not (a pipe between links writes it
   * to the next). Bounded, as libzmq's pipe holds at most its high-water
   * mark of them: an idle pipe, or one with {@linkcode _IN_LINE_MOST}
   * actions waiting (or as many as its peer holds and the socket has),
   * gets a snapshot instead of one more action (the trie has this one),
   * written as the subscriptions are then.
   */
  #tellPublishers(topic: Uint8Array, subscribe: boolean): void {
    for (const pipe of this.#host.pipes) {
      const queued = pipe.controlLength + pipe.inLineLength;
      if (_idle(pipe)) {
        // Its next link is told the subscriptions as they are then: one
        // snapshot waiting covers every change meanwhile.
        const waiting = this.#snapshots.get(pipe)?.action;
        if (queued !== 1 || pipe.firstControl !== waiting) {
          pipe.dropControl();
          this.#queueSnapshot(pipe);
        }
        continue;
      }
      const held = this.#held.get(pipe)?.size ?? 0;
      const most = Math.max(_IN_LINE_MOST, held + this.#subscriptions.size);
      if (queued < most) {
        pipe.writeInLine(this.#told(pipe, topic, subscribe));
      } else {
        pipe.dropControl();
        this.#queueSnapshot(pipe).freeze(); // this change is in it
      }
    }
  }

  /**
   * Fixes what the snapshots waiting for pipes that are not idle say, before
   * a change that goes in line behind them: written as the subscriptions
   * are later, a snapshot would tell the change too, ahead of the messages
   * it follows (and a cancel after it would find nothing to cancel).
   */
  #freezeSnapshots(): void {
    for (const pipe of this.#host.pipes) {
      if (!_idle(pipe)) this.#snapshots.get(pipe)?.freeze();
    }
  }

  /** Tells a pipe's peer of a subscription or cancellation, noting it. */
  #told(
    pipe: Pipe,
    topic: Uint8Array,
    subscribe: boolean,
  ): (writer: MessageWriter) => void {
    return (writer) => {
      const held = this.#heldBy(pipe);
      const key = bytesKey(topic);
      if (subscribe) {
        writer.sendSubscribe(topic);
        held.set(key, topic);
      } else if (held.delete(key)) {
        // (None for what the peer does not hold: its XPUB would pass the
        // cancel on, to a proxy's publisher too.)
        writer.sendCancel(topic);
      }
    };
  }

  /**
   * Queues one action that brings the peer's subscriptions to the
   * socket's: a cancel of each it holds that is gone, then each it lacks,
   * as they are when written, or when frozen if something was queued
   * behind it since.
   */
  #queueSnapshot(pipe: Pipe): _Snapshot {
    let frozen: Map<string, Uint8Array> | undefined;
    const current = () => {
      const now = new Map<string, Uint8Array>();
      for (const topic of this.#subscriptions.topics()) {
        now.set(bytesKey(topic), topic);
      }
      return now;
    };
    const snapshot: _Snapshot = {
      freeze: () => {
        frozen ??= current();
      },
      action: (writer) => {
        if (this.#snapshots.get(pipe) === snapshot) {
          this.#snapshots.delete(pipe);
        }
        const held = this.#heldBy(pipe);
        const now = frozen ?? current();
        for (const [key, topic] of held) {
          if (now.has(key)) continue;
          writer.sendCancel(topic);
          held.delete(key);
        }
        for (const [key, topic] of now) {
          if (held.has(key)) continue;
          writer.sendSubscribe(topic);
          held.set(key, topic);
        }
      },
    };
    this.#snapshots.set(pipe, snapshot);
    pipe.writeInLine(snapshot.action);
    return snapshot;
  }

  #heldBy(pipe: Pipe): Map<string, Uint8Array> {
    let held = this.#held.get(pipe);
    if (!held) this.#held.set(pipe, held = new Map());
    return held;
  }
}

/**
 * Whether a pipe is idle: not ready (no link, or one in its handshake) and
 * nothing queued, so its next link is told the subscriptions afresh.
 */
function _idle(pipe: Pipe): boolean {
  return !pipe.ready && pipe.outbound.length === 0;
}

/** A pipe's snapshot of the subscriptions, waiting to be written. */
interface _Snapshot {
  /** Writes it. */
  action: (writer: MessageWriter) => void;
  /** Fixes it to the subscriptions as they are now. */
  freeze(): void;
}

/**
 * SUB's routing with XSUB's rule on sending: `0x01`/`0x00` messages
 * subscribe and cancel, anything else goes to every publisher.
 */
class _XSubscriberRouting extends SubscriberRouting {
  readonly fansOut = true;
  #fanOut: FanOut;

  constructor(socket: Subscriber, host: RoutingHost) {
    super(socket, host, false);
    this.#fanOut = new FanOut(host, false);
  }

  /** Sending never waits, as libzmq's XSUB always reports POLLOUT. */
  override writable(): boolean {
    return true;
  }

  override send(frames: OutboundMessage): boolean {
    // Each frame that starts with 0x01 or 0x00 subscribes or cancels, as
    // libzmq's XSUB reads every frame of a message (kept for its resends);
    // the others go on as a message. Sending never waits here.
    const rest = splitSubscriptions(frames, (subscribe, topic) => {
      if (subscribe) this.subscribe([topic]);
      else this.unsubscribe([topic]);
    });
    return rest.length === 0 || this.#fanOut.send(rest);
  }
}

defineRouting<Subscriber>(
  "SUB",
  (socket, host) => new SubscriberRouting(socket, host),
);
defineRouting<Subscriber>(
  "XSUB",
  (socket, host) => new _XSubscriberRouting(socket, host),
);

/** Prefixes as bytes (strings in UTF-8); none is the empty prefix, every message. */
export function prefixBytes(prefixes: (string | Uint8Array)[]): Uint8Array[] {
  if (prefixes.length === 0) return [new Uint8Array()];
  // All checked before any is applied.
  return prefixes.map((prefix, i) =>
    asBytes(prefix, prefixes.length > 1 ? `prefix ${i}` : "the prefix")
  );
}

defineOptionNames<SubscriberOptions, SocketOptions>()(Subscriber, [
  "invertMatching",
]);
