/**
 * What pipes that left a socket before its close leave behind, for close's
 * summary: messages unread, and messages sent and never written.
 *
 * @module
 */

import type { Pipe } from "./_pipe.ts";

/** The pipes that left with messages unread, and what left unwritten. */
export class Departed {
  /** Messages sent and never written, of pipes removed before close. */
  dropped = 0;
  #pipes = new Set<Pipe>();
  #pruneAt = 16;

  /** Keeps a departed pipe with unread messages in view, pruning the read. */
  note(pipe: Pipe): void {
    const pipes = this.#pipes;
    // Amortized: pipes read to their end go when the set has doubled.
    if (pipes.size >= this.#pruneAt) {
      for (const each of pipes) {
        if (each.inbound.length === 0) pipes.delete(each);
      }
      this.#pruneAt = Math.max(16, 2 * pipes.size);
    }
    pipes.add(pipe);
  }

  /** A pipe that came back (an `immediate` connect's next link). */
  forget(pipe: Pipe): void {
    this.#pipes.delete(pipe);
  }

  /**
   * Drops the messages departed pipes hold unread, and forgets the pipes:
   * a routing may still hold a pipe, waiting for its turn to be read.
   */
  dropUnread(): void {
    for (const pipe of this.#pipes) pipe.inbound.clear();
    this.#pipes = new Set();
  }

  /** Messages of departed pipes still unread. */
  unread(): number {
    let unread = 0;
    for (const pipe of this.#pipes) unread += pipe.inbound.length;
    return unread;
  }
}
