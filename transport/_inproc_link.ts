/**
 * The link between two sockets of one isolate over `inproc://`: messages
 * pass by reference, and the handshake is the socket-type check.
 *
 * @module
 */

import type { PeerInfo } from "../codec/connection.ts";
import { ProtocolError } from "../codec/errors.ts";
import { type SocketType, socketTypesMatch } from "../codec/socket_type.ts";
import { keptFrame } from "./_packing.ts";
import { Settler } from "./_settle.ts";
import type {
  Link,
  LinkEnd,
  LinkEvent,
  MessageWriter,
  Session,
} from "./transport.ts";

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
    // A routing may refuse the peer at `ready` (closing the link): the
    // other side is not told ready then, and nothing is handed over.
    this.#session!.handle({ type: "ready", peer: peer.#info });
    if (this.#closed) return;
    peer.#session!.handle({ type: "ready", peer: this.#info });
    if (this.#closed) return;
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
    const event: LinkEvent = {
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
