/**
 * What a link between isolates has received and its socket not yet taken:
 * batches of messages and subscriptions, in order, and the credit owed to
 * the peer for what the socket took.
 *
 * @module
 */

import type { LinkEvent, Session } from "./transport.ts";

/** Credit for the peer: messages taken, and bytes and batches wholly taken. */
export interface PortCredit {
  n: number;
  bytes: number;
  k: number;
}

/** A batch received, and how far the session has taken it. */
interface _Received {
  messages: Uint8Array<ArrayBuffer>[][];
  next: number;
  /** Its packed size, credited back once it is all taken. */
  bytes: number;
  /** Or a subscription, in its place among the messages. */
  subscription?: LinkEvent | undefined;
}

/** The inbox of a `PortLink`. */
export class PortInbox {
  #received: _Received[] = [];
  #owed: PortCredit = { n: 0, bytes: 0, k: 0 };

  /** Adds a batch of messages, `bytes` long as packed. */
  addBatch(messages: Uint8Array<ArrayBuffer>[][], bytes: number): void {
    this.#received.push({ messages, next: 0, bytes });
  }

  /** Adds a subscription or a cancellation, after what came before it. */
  addSubscription(subscription: LinkEvent): void {
    this.#received.push({ messages: [], next: 0, bytes: 0, subscription });
  }

  /** Messages received and not yet handed over: the socket's unread too. */
  get unread(): number {
    let unread = 0;
    for (const batch of this.#received) {
      unread += batch.messages.length - batch.next;
    }
    return unread;
  }

  /**
   * Hands what waits to `session` until it is full.
   *
   * @returns Whether the session has room still.
   */
  handOver(session: Session): boolean {
    const received = this.#received;
    const owed = this.#owed;
    let room = true;
    while (received.length > 0 && room) {
      const batch = received[0];
      if (batch.subscription) {
        received.shift();
        owed.n++;
        room = session.handle(batch.subscription);
        continue;
      }
      const messages = batch.messages;
      while (batch.next < messages.length && room) {
        const frames = messages[batch.next++];
        owed.n++;
        room = session.handle({ type: "message", frames });
      }
      if (batch.next === messages.length) {
        received.shift();
        owed.k++;
        owed.bytes += batch.bytes;
      }
    }
    return room;
  }

  /**
   * Hands everything that waits to `session`, past its high-water mark: the
   * peer is gone, and what it sent is the socket's to read.
   */
  handOverAll(session: Session): void {
    // Emptied first: a session that reads as it is handed may ask again.
    const received = this.#received;
    this.#received = [];
    for (const batch of received) {
      if (batch.subscription) session.handle(batch.subscription);
      const messages = batch.messages;
      for (let i = batch.next; i < messages.length; i++) {
        session.handle({ type: "message", frames: messages[i] });
      }
    }
  }

  /**
   * The credit to post now, if any: once a batch is whole (or nothing
   * waits), as a socket taking a few at a time from a full queue would
   * otherwise post a credit for each few.
   */
  takeCredit(): PortCredit | undefined {
    const owed = this.#owed;
    if (owed.n === 0 || (owed.k === 0 && this.#received.length > 0)) {
      return undefined;
    }
    this.#owed = { n: 0, bytes: 0, k: 0 };
    return owed;
  }
}
