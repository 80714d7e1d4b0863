/**
 * inproc: two sockets of one context linked directly, with no bytes on the
 * way. Messages pass by reference; the ZMTP handshake is reduced to the
 * socket-type check.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type { ConnectionEvent, PeerInfo } from "../codec/connection.ts";
import { ProtocolError } from "../codec/errors.ts";
import { type SocketType, socketTypesMatch } from "../codec/socket_type.ts";
import type { Link, MessageWriter, PumpEnd, Session } from "./pump.ts";

/** One side of an inproc link: its session and what the other side learns of it. */
export interface InprocSide {
  /** Where the other side's traffic goes, and this side's comes from. */
  session: Session;
  /** This side's socket type and routing id, as a handshake would tell them. */
  peer: PeerInfo;
}

/**
 * Links two sessions of one process. The handshake (the `ready` events, or
 * an `incompatible` error for socket types that cannot talk) happens in a
 * microtask, so each caller can first store its link.
 *
 * @example
 * ```ts ignore
 * const [ours, theirs] = linkInproc(
 *   { session: pushSession, peer: pushInfo },
 *   { session: pullSession, peer: pullInfo },
 * );
 * ```
 *
 * @param a One side.
 * @param b The other side.
 * @returns The link each side holds, in the same order.
 */
export function linkInproc(a: InprocSide, b: InprocSide): [Link, Link] {
  const linkA = new _InprocLink(a.session);
  const linkB = new _InprocLink(b.session);
  linkA.peer = linkB;
  linkB.peer = linkA;
  queueMicrotask(() => {
    const typeA = a.peer.socketType as SocketType;
    const typeB = b.peer.socketType as SocketType;
    if (!socketTypesMatch(typeA, typeB)) {
      const error = new ProtocolError(
        "incompatible",
        `a ${typeA} socket cannot talk to a ${typeB}`,
      );
      a.session.handle({ type: "error", error });
      b.session.handle({ type: "error", error });
      linkA.end(error);
      return;
    }
    if (linkA.closed) return;
    a.session.handle({ type: "ready", peer: b.peer });
    b.session.handle({ type: "ready", peer: a.peer });
  });
  return [linkA, linkB];
}

class _InprocLink implements Link, MessageWriter {
  peer!: _InprocLink;
  readonly done: Promise<PumpEnd>;
  #session: Session;
  #closed = false;
  #blocked = false;
  #scheduled = false;
  #resolveDone!: (end: PumpEnd) => void;

  constructor(session: Session) {
    this.#session = session;
    this.done = new Promise((resolve) => this.#resolveDone = resolve);
  }

  get closed(): boolean {
    return this.#closed;
  }

  // MessageWriter: what this side's session writes lands at the peer's.
  get pendingOutputBytes(): number {
    return this.#blocked ? Infinity : 0;
  }

  sendMessage(frames: readonly Uint8Array[]): void {
    const event: ConnectionEvent = { type: "message", frames: [...frames] };
    if (!this.peer.#session.handle(event)) this.#blocked = true;
  }

  sendSubscribe(topic: Uint8Array): void {
    this.peer.#session.handle({ type: "subscribe", topic });
  }

  sendCancel(topic: Uint8Array): void {
    this.peer.#session.handle({ type: "cancel", topic });
  }

  // Link
  wake(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    // Like the pump: a burst of sends is delivered at the end of the turn.
    setImmediate(() => {
      this.#scheduled = false;
      if (!this.#closed && !this.#blocked) {
        this.#session.fill(this, Number.MAX_SAFE_INTEGER);
      }
    });
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
