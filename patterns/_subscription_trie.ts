/**
 * Prefix subscriptions. A subscriber counts them like libzmq: subscribing
 * twice to a topic needs two cancellations.
 *
 * @module
 */

interface _Node {
  count: number;
  children: Map<number, _Node>;
}

/**
 * A byte trie of subscription prefixes: a subscriber's (counted) and each
 * of a publisher's peers' (a set). Matching walks the topic's bytes once.
 */
export class SubscriptionTrie {
  #root: _Node = { count: 0, children: new Map() };
  #size = 0;
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
    return this.#size;
  }

  /**
   * Adds one subscription to a prefix.
   *
   * @param topic The prefix; empty matches everything.
   * @returns `true` if the prefix was not subscribed before.
   */
  add(topic: Uint8Array): boolean {
    let node = this.#root;
    for (const byte of topic) {
      let child = node.children.get(byte);
      if (!child) {
        child = { count: 0, children: new Map() };
        node.children.set(byte, child);
      }
      node = child;
    }
    if (node.count > 0 && !this.#counted) return false;
    node.count++;
    if (node.count === 1) this.#size++;
    return node.count === 1;
  }

  /**
   * Removes one subscription to a prefix.
   *
   * @param topic The prefix.
   * @returns `true` if this removed the prefix's last subscription.
   */
  remove(topic: Uint8Array): boolean {
    const path: [_Node, number][] = [];
    let node = this.#root;
    for (const byte of topic) {
      const child = node.children.get(byte);
      if (!child) return false;
      path.push([node, byte]);
      node = child;
    }
    if (node.count === 0) return false;
    node.count--;
    if (node.count > 0) return false;
    this.#size--;
    // Prune branches that no longer lead to a subscription.
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, byte] = path[i];
      const child = parent.children.get(byte)!;
      if (child.count > 0 || child.children.size > 0) break;
      parent.children.delete(byte);
    }
    return true;
  }

  /**
   * Whether some subscribed prefix starts `message`.
   *
   * @param message The first frame of a message.
   * @returns `true` if the message is wanted.
   */
  matches(message: Uint8Array): boolean {
    let node: _Node | undefined = this.#root;
    if (node.count > 0) return true;
    for (let i = 0; i < message.length; i++) {
      node = node.children.get(message[i]);
      if (!node) return false;
      if (node.count > 0) return true;
    }
    return false;
  }

  /**
   * Every subscribed prefix, once each, in byte order, as libzmq's trie
   * resends them. Walked with a stack of its own, and one path for all: a
   * prefix may be as long as any frame (a recursion per byte overflowed the
   * call stack at about 2,600 bytes).
   */
  *topics(): Generator<Uint8Array> {
    const prefix: number[] = [];
    const stack: [depth: number, byte: number, node: _Node][] = [
      [0, -1, this.#root],
    ];
    while (stack.length > 0) {
      const [depth, byte, node] = stack.pop()!;
      prefix.length = depth;
      if (byte >= 0) prefix.push(byte);
      if (node.count > 0) yield new Uint8Array(prefix);
      // Pushed highest byte first, so that the lowest is walked first.
      const children = [...node.children].sort(([a], [b]) => b - a);
      for (const [next, child] of children) {
        stack.push([prefix.length, next, child]);
      }
    }
  }

  /** Removes everything. */
  clear(): void {
    this.#root = { count: 0, children: new Map() };
    this.#size = 0;
  }
}

interface _IndexNode<T> {
  /** Whoever subscribed to exactly this prefix. */
  members: Set<T> | undefined;
  children: Map<number, _IndexNode<T>>;
}

/**
 * One byte trie of every peer's prefixes (as libzmq's mtrie): each node
 * holds the peers subscribed to its prefix, so matching a message walks its
 * topic's bytes once and meets only the peers that want it, however many
 * others there are.
 */
export class SubscriberIndex<T> {
  #root: _IndexNode<T> = { members: undefined, children: new Map() };

  /**
   * Adds a peer to a prefix.
   *
   * @returns `true` if it was not there yet.
   */
  add(topic: Uint8Array, member: T): boolean {
    let node = this.#root;
    for (let i = 0; i < topic.length; i++) {
      let child = node.children.get(topic[i]);
      if (!child) {
        child = { members: undefined, children: new Map() };
        node.children.set(topic[i], child);
      }
      node = child;
    }
    node.members ??= new Set();
    if (node.members.has(member)) return false;
    node.members.add(member);
    return true;
  }

  /**
   * Removes a peer from a prefix, pruning branches left empty.
   *
   * @returns `true` if it was there.
   */
  remove(topic: Uint8Array, member: T): boolean {
    const path: _IndexNode<T>[] = [];
    let node = this.#root;
    for (let i = 0; i < topic.length; i++) {
      const child = node.children.get(topic[i]);
      if (!child) return false;
      path.push(node);
      node = child;
    }
    if (!node.members?.delete(member)) return false;
    if (node.members.size === 0) node.members = undefined;
    for (let i = path.length - 1; i >= 0; i--) {
      const child = path[i].children.get(topic[i])!;
      if (child.members || child.children.size > 0) break;
      path[i].children.delete(topic[i]);
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
    let node: _IndexNode<T> | undefined = this.#root;
    let first: Set<T> | undefined;
    let seen: Set<T> | undefined;
    let steps = 0;
    for (let i = 0; node; node = node.children.get(message[i++])) {
      steps++;
      const members = node.members;
      if (members) {
        if (!first) {
          first = members;
          for (const member of members) visit(member, argument);
        } else {
          // A peer subscribed to two prefixes of one message gets it once.
          seen ??= new Set(first);
          for (const member of members) {
            if (seen.has(member)) continue;
            seen.add(member);
            visit(member, argument);
          }
        }
      }
      if (i >= message.length || node.children.size === 0) break;
    }
    return steps;
  }
}
