/**
 * Fan-out: each message to every peer, filtered by what each peer
 * subscribed to.
 *
 * @module
 */

import type { OutboundMessage } from "./message.ts";
import type { Pipe } from "./_pipe.ts";
import type { Routing, RoutingHost } from "./_routing.ts";
import { bytesKey, keyBytes } from "./_bytes_key.ts";
import { SubscriberIndex } from "./_subscription_trie.ts";

/**
 * The outgoing strategy of PUB and XPUB (filtered by each subscriber's
 * prefixes) and of XSUB (unfiltered). A peer at its high-water mark misses
 * the message; `send` never waits. A `connect` peer whose link is down
 * keeps its subscriptions and queues what it would get, as in libzmq:
 * those it sends again when it reconnects are no news.
 *
 * Filtered, the prefixes of every peer are in one trie with the peers at
 * their nodes, so a message costs its topic's length plus the peers that
 * want it, not a look at every peer. Each peer's own set of prefixes is
 * kept beside it (made at its first subscription), for what it leaves
 * behind.
 */
export class FanOut implements Routing {
  readonly fansOut = true;
  #host: RoutingHost;
  #filtered: boolean;
  #index = new SubscriberIndex<Pipe>();
  /** Each subscribed peer's prefixes (as {@linkcode bytesKey}s). */
  #topics = new Map<Pipe, Set<string>>();

  #settings: FanOutSettings;

  /**
   * @param host The socket's pipes.
   * @param filtered Whether peers get only what they subscribed to.
   * @param settings The publisher's options, read live.
   */
  constructor(
    host: RoutingHost,
    filtered: boolean,
    settings: FanOutSettings = _PLAIN,
  ) {
    this.#host = host;
    this.#filtered = filtered;
    this.#settings = settings;
  }

  /** A peer that takes everything (`epgm`) is subscribed to it all at once. */
  ready(pipe: Pipe): boolean {
    if (pipe.peer?.subscribesToAll) this.subscribe(pipe, new Uint8Array(0));
    return true;
  }

  send(frames: OutboundMessage): boolean {
    if (this.#settings.xpubNoDrop && this.blocked(frames)) return false;
    if (!this.#filtered) {
      for (const pipe of this.#host.pipes) {
        if (pipe.attached && !pipe.full) pipe.write(frames);
      }
      return true;
    }
    if (this.#settings.invertMatching) {
      for (const pipe of this.#unmatched(frames)) _deliver(pipe, frames);
    } else {
      this.#index.match(frames[0], _deliver, frames);
    }
    return true;
  }

  /** Whether a subscriber of this message is at its high-water mark. */
  blocked(frames: OutboundMessage): boolean {
    if (this.#settings.invertMatching) {
      for (const pipe of this.#unmatched(frames)) {
        if (pipe.attached && pipe.full) return true;
      }
      return false;
    }
    const found = { blocked: false };
    this.#index.match(frames[0], _findBlocked, found);
    return found.blocked;
  }

  /**
   * The peers none of whose prefixes match (ZMQ_INVERT_MATCHING): a look at
   * every peer, as libzmq's distributor takes.
   */
  *#unmatched(frames: OutboundMessage): Iterable<Pipe> {
    const matched = new Set<Pipe>();
    this.#index.match(frames[0], _add, matched);
    for (const pipe of this.#host.pipes) {
      if (!matched.has(pipe)) yield pipe;
    }
  }

  subscription(pipe: Pipe, topic: Uint8Array, subscribe: boolean): void {
    if (subscribe) this.subscribe(pipe, topic);
    else this.cancel(pipe, topic);
  }

  /**
   * A peer subscribes to a prefix.
   *
   * @returns `true` if it had not subscribed to it yet.
   */
  subscribe(pipe: Pipe, topic: Uint8Array): boolean {
    if (!this.#index.add(topic, pipe)) return false;
    let topics = this.#topics.get(pipe);
    if (!topics) this.#topics.set(pipe, topics = new Set());
    topics.add(bytesKey(topic));
    return true;
  }

  /**
   * A peer cancels a prefix.
   *
   * @returns `true` if it had subscribed to it.
   */
  cancel(pipe: Pipe, topic: Uint8Array): boolean {
    if (!this.#index.remove(topic, pipe)) return false;
    const topics = this.#topics.get(pipe)!;
    topics.delete(bytesKey(topic));
    if (topics.size === 0) this.#topics.delete(pipe);
    return true;
  }

  /**
   * A peer cancels everything (it left, or its link ended).
   *
   * @returns The prefixes it had subscribed to, in byte order, as
   * libzmq's trie walks them when an XPUB tells their cancellations.
   */
  cancelAll(pipe: Pipe): Uint8Array[] {
    const keys = this.#topics.get(pipe);
    if (!keys) return [];
    this.#topics.delete(pipe);
    // A key has a char per byte: its code-unit order is the bytes' order.
    const topics = Array.from(keys).sort().map(keyBytes);
    for (const topic of topics) this.#index.remove(topic, pipe);
    return topics;
  }

  detach(pipe: Pipe): void {
    this.cancelAll(pipe);
  }
}

/** The publisher options fan-out reads, live. */
export interface FanOutSettings {
  /** Send to the peers whose prefixes do not match instead. */
  readonly invertMatching: boolean;
  /** Wait (refuse the send) while a subscriber of the message is full. */
  readonly xpubNoDrop: boolean;
}

const _PLAIN: FanOutSettings = { invertMatching: false, xpubNoDrop: false };

function _add(pipe: Pipe, set: Set<Pipe>): void {
  set.add(pipe);
}

/** Writes a message to a subscriber that can take it now. */
function _deliver(pipe: Pipe, frames: OutboundMessage): void {
  if (pipe.attached && !pipe.full) pipe.write(frames);
}

/** Notes a subscriber that is at its high-water mark. */
function _findBlocked(pipe: Pipe, found: { blocked: boolean }): void {
  if (pipe.attached && pipe.full) found.blocked = true;
}
