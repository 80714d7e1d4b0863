/**
 * Prefix subscriptions. A subscriber counts them like libzmq: subscribing
 * twice to a topic needs two cancellations.
 *
 * @module
 */

import { RadixTrie } from "./_radix_trie.ts";

/** Found by a walk: a subscriber's trie stops at the first prefix. */
const _found = (): boolean => true;

/**
 * A trie of subscription prefixes: a subscriber's (counted) and each of a
 * publisher's peers' (a set). Matching walks the topic's bytes once.
 */
export class SubscriptionTrie {
  #trie = new RadixTrie<number>();
  #counted: boolean;

  /**
   * Makes an empty trie.
   *
   * @param options `counted: false` makes it a set, as a publisher keeps
   * each subscriber's prefixes; the default counts, as a subscriber does.
   */
  constructor(options: { counted?: boolean } = {}) {
    this.#counted = options.counted ?? true;
  }

  /** The number of distinct prefixes subscribed. */
  get size(): number {
    return this.#trie.size;
  }

  /**
   * Adds one subscription to a prefix.
   *
   * @param topic The prefix; empty matches everything.
   * @returns `true` if the prefix was not subscribed before.
   */
  add(topic: Uint8Array): boolean {
    const count = this.#trie.get(topic) ?? 0;
    if (count > 0 && !this.#counted) return false;
    this.#trie.set(topic, count + 1);
    return count === 0;
  }

  /**
   * Removes one subscription to a prefix.
   *
   * @param topic The prefix.
   * @returns `true` if this removed the prefix's last subscription.
   */
  remove(topic: Uint8Array): boolean {
    const count = this.#trie.get(topic);
    if (count === undefined) return false;
    if (count > 1) {
      this.#trie.set(topic, count - 1);
      return false;
    }
    return this.#trie.delete(topic);
  }

  /**
   * Whether some subscribed prefix starts `message`.
   *
   * @param message The first frame of a message.
   * @returns `true` if the message is wanted.
   */
  matches(message: Uint8Array): boolean {
    return this.#trie.walkPrefixes(message, _found, undefined) < 0;
  }

  /** Every subscribed prefix, once each, in byte order, as libzmq's trie resends them. */
  *topics(): Generator<Uint8Array> {
    for (const [topic] of this.#trie.entries()) yield topic;
  }

  /** Removes everything. */
  clear(): void {
    this.#trie.clear();
  }
}

/** A walk of {@linkcode SubscriberIndex.match}: each peer visited once. */
interface _Match<T> {
  first: _Members<T> | undefined;
  seen: Set<T> | undefined;
  visit: ((member: T, argument: unknown) => void) | undefined;
  argument: unknown;
}

/** The peers of a prefix: most have one, held without a Set. */
class _One<T> {
  constructor(readonly member: T) {}
}
type _Members<T> = _One<T> | Set<T>;

/** Visits a prefix's peers; never stops the walk (returns nothing). */
function _visitMembers<T>(members: _Members<T>, match: _Match<T>): void {
  const visit = match.visit!;
  const first = match.first;
  if (!first) {
    match.first = members;
    if (members instanceof _One) visit(members.member, match.argument);
    else for (const member of members) visit(member, match.argument);
    return;
  }
  // A peer subscribed to two prefixes of one message gets it once.
  const seen = match.seen ??= new Set(
    first instanceof _One ? [first.member] : first,
  );
  for (const member of members instanceof _One ? [members.member] : members) {
    if (seen.has(member)) continue;
    seen.add(member);
    visit(member, match.argument);
  }
}

/**
 * One trie of every peer's prefixes (as libzmq's mtrie): each key holds the
 * peers subscribed to that prefix, so matching a message walks its topic's
 * bytes once and meets only the peers that want it, however many others
 * there are.
 */
export class SubscriberIndex<T> {
  #trie = new RadixTrie<_Members<T>>();
  /** The state of a walk, kept for the next (none while one is under way). */
  #idle: _Match<T> | undefined = {
    first: undefined,
    seen: undefined,
    visit: undefined,
    argument: undefined,
  };

  /**
   * Adds a peer to a prefix.
   *
   * @returns `true` if it was not there yet.
   */
  add(topic: Uint8Array, member: T): boolean {
    const members = this.#trie.get(topic);
    if (!members) {
      this.#trie.set(topic, new _One(member));
    } else if (members instanceof _One) {
      if (members.member === member) return false;
      this.#trie.set(topic, new Set([members.member, member]));
    } else {
      if (members.has(member)) return false;
      members.add(member);
    }
    return true;
  }

  /**
   * Removes a peer from a prefix, pruning what is left empty.
   *
   * @returns `true` if it was there.
   */
  remove(topic: Uint8Array, member: T): boolean {
    const members = this.#trie.get(topic);
    if (members instanceof _One) {
      return members.member === member && this.#trie.delete(topic);
    }
    if (!members?.delete(member)) return false;
    // Most prefixes have one peer: held without a Set (200 bytes fewer).
    if (members.size === 1) {
      this.#trie.set(topic, new _One(members.values().next().value!));
    }
    return true;
  }

  /**
   * Calls `visit(member, argument)` once for each peer with a prefix of
   * `message`, however many of its prefixes match. (The argument is passed
   * through so that a caller needs no closure per message.)
   *
   * @returns How many trie nodes the walk went through (at most the
   * message's length plus one).
   */
  match<A>(
    message: Uint8Array,
    visit: (member: T, argument: A) => void,
    argument: A,
  ): number {
    // A visit that matches again (it should not) gets a walk of its own.
    const match = this.#idle ?? {
      first: undefined,
      seen: undefined,
      visit: undefined,
      argument: undefined,
    };
    this.#idle = undefined;
    match.visit = visit as (member: T, argument: unknown) => void;
    match.argument = argument;
    const steps = this.#trie.walkPrefixes(message, _visitMembers, match);
    match.first =
      match.seen =
      match.visit =
      match.argument =
        undefined;
    this.#idle = match;
    return steps;
  }
}
