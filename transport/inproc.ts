/**
 * `inproc://name`: two sockets of one context linked directly, with no
 * bytes on the way. Messages pass by reference; the ZMTP handshake is
 * reduced to the socket-type check.
 *
 * @module
 */

import type { ConnectionEvent, PeerInfo } from "../codec/connection.ts";
import { ProtocolError, ZmqError } from "../codec/errors.ts";
import { type SocketType, socketTypesMatch } from "../codec/socket_type.ts";
import { keptFrame } from "./_packing.ts";
import { Settler } from "./_settle.ts";
import { InprocHub } from "./_inproc_hub.ts";
import { InprocNode } from "./_inproc_node.ts";
import { PortLink } from "./_port_link.ts";
import type {
  Link,
  LinkEnd,
  LinkOptions,
  MessageWriter,
  Session,
  Transport,
} from "./transport.ts";

interface _Binder {
  options: LinkOptions;
  endpoint: string;
  accept(link: Link, endpoint: string): void;
}

interface _Names {
  bound: Map<string, _Binder>;
  /**
   * Dialers waiting for a name to be bound, as libzmq lets connect come
   * first: told the binder, or the node once the context is shared (the
   * name may then be bound in another isolate).
   */
  waiting: Map<string, Set<(target: _Binder | InprocNode) => void>>;
  /** Once the context is shared with other isolates: its way to them. */
  node?: InprocNode;
}

const _scopes = new WeakMap<object, _Names>();

function _names(scope: object): _Names {
  let names = _scopes.get(scope);
  if (!names) {
    _scopes.set(scope, names = { bound: new Map(), waiting: new Map() });
  }
  return names;
}

/**
 * Whether a name is bound in a scope (the context), as the ZAP client asks
 * of `inproc://zeromq.zap.01`.
 *
 * @example
 * ```ts
 * import { isInprocBound } from "@zmtp/zmq/transport";
 *
 * console.log(isInprocBound({}, "zeromq.zap.01")); // false
 * ```
 *
 * @param scope The scope the socket's link options give.
 * @param name The name after `inproc://`.
 * @returns Whether a socket has bound it.
 */
export function isInprocBound(scope: object, name: string): boolean {
  return _names(scope).bound.has(name);
}

/**
 * The `inproc` transport: names live in the socket's context; a connect
 * before the bind waits for it.
 *
 * @example
 * ```ts
 * import { inproc } from "@zmtp/zmq/transport";
 *
 * console.log(inproc.scheme); // "inproc"
 * ```
 */
export const inproc: Transport = {
  scheme: "inproc",

  check() {},

  async listen(name, options, accept) {
    const names = _names(options.scope);
    if (names.bound.has(name)) {
      throw new ZmqError("EADDRINUSE", `inproc://${name} is already bound`);
    }
    const node = names.node;
    await node?.bind(name);
    // Shared meanwhile: the name is claimed for the other isolates too.
    if (names.node && names.node !== node) await names.node.bind(name);
    if (names.bound.has(name)) {
      names.node?.unbind(name);
      throw new ZmqError("EADDRINUSE", `inproc://${name} is already bound`);
    }
    const endpoint = `inproc://${name}`;
    const binder: _Binder = { options, endpoint, accept };
    names.bound.set(name, binder);
    const waiting = names.waiting.get(name);
    names.waiting.delete(name);
    for (const notify of waiting ?? []) notify(binder);
    return {
      endpoint,
      keepsLinks: true,
      close: () => {
        if (names.bound.get(name) === binder) {
          names.bound.delete(name);
          names.node?.unbind(name);
        }
        return Promise.resolve();
      },
    };
  },

  dialNow(name, options) {
    const binder = _names(options.scope).bound.get(name);
    return binder && _linkTo(binder, options);
  },

  dial(name, options, signal) {
    const names = _names(options.scope);
    const link = (binder: _Binder): Link => _linkTo(binder, options);
    // Another isolate may bind it: the hub answers with a channel to it,
    // or says it is bound here (since), where it links directly.
    const through = (node: InprocNode): Promise<Link> =>
      node.dial(name, signal).then((joined) => {
        if (joined !== "local") {
          return new PortLink(joined.port, options.peer, joined.locks);
        }
        const binder = names.bound.get(name);
        return binder ? link(binder) : through(node);
      });
    const binder = names.bound.get(name);
    if (binder) return Promise.resolve(link(binder));
    if (names.node) return through(names.node);
    return new Promise((resolve, reject) => {
      let waiting = names.waiting.get(name);
      if (!waiting) names.waiting.set(name, waiting = new Set());
      const notify = (target: _Binder | InprocNode) => {
        signal.removeEventListener("abort", abandon);
        resolve(target instanceof InprocNode ? through(target) : link(target));
      };
      const abandon = () => {
        waiting.delete(notify);
        reject(signal.reason);
      };
      waiting.add(notify);
      signal.addEventListener("abort", abandon, { once: true });
    });
  },
};

/** Links a dialer to the socket bound here: the binder's side is accepted. */
function _linkTo(binder: _Binder, options: LinkOptions): Link {
  const [ours, theirs] = linkInproc(options.peer, binder.options.peer);
  binder.accept(theirs, binder.endpoint);
  return ours;
}

/**
 * A port that joins a context in another isolate (a Worker) to the
 * `inproc://` names of `scope`: the first call makes this isolate the hub.
 *
 * @example
 * ```ts
 * import { joinInproc, leaveInproc, shareInproc } from "@zmtp/zmq/transport";
 *
 * const main = {};
 * const port = shareInproc(main); // post it to a Worker, in its transfer list
 * const worker = {};
 * joinInproc(worker, port);
 * leaveInproc(worker);
 * leaveInproc(main);
 * ```
 *
 * @param scope The context.
 * @returns A port to transfer to the other isolate.
 */
export function shareInproc(scope: object): MessagePort {
  const names = _names(scope);
  if (!names.node) {
    const channel = new MessageChannel();
    new InprocHub().adopt(channel.port2);
    names.node = _node(names, channel.port1);
  }
  return names.node.share();
}

/**
 * Joins `scope` (a context in this isolate) to the context a port came
 * from (see {@linkcode shareInproc}).
 *
 * @example In a Worker, with the port the main isolate posted
 * ```ts ignore
 * import { joinInproc } from "@zmtp/zmq/transport";
 *
 * self.onmessage = ({ data }) => joinInproc(workerContext, data.port);
 * ```
 *
 * @param scope The context of this isolate.
 * @param port The port {@linkcode shareInproc} gave.
 * @throws {ZmqError} `EINVAL` if the context is shared or joined already,
 * or the port joined another.
 */
export function joinInproc(scope: object, port: MessagePort): void {
  const names = _names(scope);
  if (names.node) {
    throw new ZmqError("EINVAL", "this context is already shared or joined");
  }
  // A second context on one port would take the first's replies.
  if (_joined.has(port)) {
    throw new ZmqError(
      "EINVAL",
      "this handle has joined a context already: share() one per context",
    );
  }
  _joined.add(port);
  names.node = _node(names, port);
}

const _joined = new WeakSet<MessagePort>();

/**
 * Leaves the other isolates: the context closed.
 *
 * @example
 * ```ts
 * import { leaveInproc, shareInproc } from "@zmtp/zmq/transport";
 *
 * const context = {};
 * shareInproc(context).close();
 * leaveInproc(context);
 * ```
 *
 * @param scope The context.
 */
export function leaveInproc(scope: object): void {
  const names = _names(scope);
  names.node?.leave();
  names.node = undefined;
}

function _node(names: _Names, port: MessagePort): InprocNode {
  const node = new InprocNode(port, (name, { port, locks }) => {
    const binder = names.bound.get(name);
    if (!binder) {
      // Unbound since: the dialer's link ends as if refused.
      port.postMessage({ t: "x" });
      return port.close();
    }
    const link = new PortLink(port, binder.options.peer, locks);
    binder.accept(link, binder.endpoint);
  });
  // Names bound before the context was shared are claimed now, and the
  // dialers waiting for a name ask the hub.
  for (const name of names.bound.keys()) node.bind(name).catch(() => {});
  const waiting = [...names.waiting.values()];
  names.waiting.clear();
  for (const dialers of waiting) for (const notify of dialers) notify(node);
  return node;
}

/**
 * Links two sides of one process, each known to the other by its
 * {@linkcode PeerInfo}. The second link's `start` makes the handshake
 * (the `ready` events, or an `incompatible` error for socket types that
 * cannot talk) and hands each peer what the other queued meanwhile.
 *
 * @example
 * ```ts ignore
 * const [ours, theirs] = linkInproc(pushInfo, pullInfo);
 * ours.start(pushSession);
 * theirs.start(pullSession);
 * ```
 *
 * @param a What the first side announces.
 * @param b What the second side announces.
 * @returns The link each side holds, in the same order.
 */
export function linkInproc(a: PeerInfo, b: PeerInfo): [Link, Link] {
  const linkA = new _InprocLink(a);
  const linkB = new _InprocLink(b);
  linkA.peer = linkB;
  linkB.peer = linkA;
  return [linkA, linkB];
}

class _InprocLink implements Link, MessageWriter {
  peer!: _InprocLink;
  readonly remoteAddress = "";
  readonly done: Promise<LinkEnd>;
  #info: PeerInfo;
  #session: Session | undefined;
  #closed = false;
  #blocked = false;
  /** Set while surrendering: the peer takes everything it keeps. */
  #surrendering = false;
  /** Set once the handshake ran (on both sides). */
  #greeted = false;
  /** Set once both sessions took the handshake: each takes messages. */
  #up = false;
  #scheduled = false;
  #filling = false;
  #settler = new Settler(() => this.#deliver());
  #resolveDone!: (end: LinkEnd) => void;

  constructor(info: PeerInfo) {
    this.#info = info;
    this.done = new Promise((resolve) => this.#resolveDone = resolve);
  }

  get closed(): boolean {
    return this.#closed;
  }

  start(session: Session): void {
    if (this.#session) return;
    this.#session = session;
    // Within the call, as libzmq's inproc connect attaches both ends of
    // its pipe: a PUB sending next reaches a SUB that connected just now.
    if (this.peer.#session) this.#handshake();
  }

  #handshake(): void {
    const peer = this.peer;
    if (this.#closed || this.#greeted) return;
    this.#greeted = peer.#greeted = true;
    const ours = this.#info.socketType as SocketType;
    const theirs = peer.#info.socketType;
    if (!socketTypesMatch(ours, theirs)) {
      const error = new ProtocolError(
        "incompatible",
        `a ${ours} socket cannot talk to a ${theirs}`,
      );
      this.#session!.handle({ type: "error", error });
      peer.#session!.handle({ type: "error", error });
      this.end(error);
      return;
    }
    this.#session!.handle({ type: "ready", peer: peer.#info });
    peer.#session!.handle({ type: "ready", peer: this.#info });
    if (this.#closed) return; // refused by a routing (a PAIR's second peer)
    this.#up = peer.#up = true;
    // What each queued meanwhile (a connect's subscriptions, sends before
    // the bind) is at its peer now, as in libzmq's one pipe.
    this.#fill(true);
    peer.#fill(true);
  }

  // MessageWriter: what this side's session writes lands at the peer's.
  get pendingOutputBytes(): number {
    if (!this.#blocked) return 0;
    // Surrendering, past the peer's high-water mark, while it keeps them.
    return this.#surrendering && this.peer.#session?.keeps?.() ? 0 : Infinity;
  }

  sendMessage(frames: readonly Uint8Array[]): void {
    // Passed by reference: frames given up for a transfer come out as
    // ordinary views, which passing them on does not give up again.
    const event: ConnectionEvent = {
      type: "message",
      frames: frames.map(keptFrame),
    };
    if (!this.peer.#session!.handle(event)) this.#blocked = true;
  }

  sendSubscribe(topic: Uint8Array): void {
    this.peer.#session!.handle({ type: "subscribe", topic });
  }

  sendCancel(topic: Uint8Array): void {
    this.peer.#session!.handle({ type: "cancel", topic });
  }

  // Link
  surrender(): void {
    if (this.#closed || !this.#session || !this.peer.#session) return;
    // Not through #fill, which a blocked link skips; guarded as it is, so
    // the fill's own reads of a full pipe hand nothing over twice.
    this.#surrendering = this.#filling = true;
    try {
      this.#session.fill(this, Number.MAX_SAFE_INTEGER);
    } finally {
      this.#surrendering = this.#filling = false;
    }
  }

  wake(): void {
    if (this.#closed || !this.#session) return;
    if (this.#scheduled) return this.#settler.sent();
    this.#scheduled = true;
    // Like a stream link: a lone message (a request, a reply) is delivered
    // within microtasks, a burst of sends once its senders settle.
    this.#settler.start();
  }

  #deliver = (): void => {
    this.#scheduled = false;
    this.#fill();
  };

  deliverNow(): void {
    // Not before the handshake: the peer takes nothing until it is ready.
    if (this.#up) this.#fill(true);
  }

  #fill(deferred = false): void {
    // A peer that reads as it takes may write back, and find us full.
    if (this.#closed || this.#blocked || this.#filling) return;
    this.#filling = true;
    try {
      this.#session!.fill(this, Number.MAX_SAFE_INTEGER, deferred);
    } finally {
      this.#filling = false;
    }
  }

  resume(): void {
    // This side's reader made room: the peer may write again.
    const writer = this.peer;
    if (!writer.#blocked) return;
    writer.#blocked = false;
    writer.wake();
  }

  whenFlushed(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    this.end(undefined);
  }

  end(error: ProtocolError | undefined): void {
    for (const link of [this, this.peer]) {
      if (link.#closed) continue;
      link.#closed = true;
      link.#resolveDone({ error });
    }
  }
}
