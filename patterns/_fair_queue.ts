/**
 * Fair queuing: reading from peers in turn, one message each.
 *
 * @module
 */

import type { Message } from "./message.ts";
import type { Pipe } from "./_pipe.ts";
import { Queue } from "../transport/_queue.ts";
import { keyBytes, sameAsKey } from "./_bytes_key.ts";

/** Stale turns tolerated before a sweep is considered. */
const _SWEEP_AFTER = 32;

/**
 * The incoming strategy of most sockets: takes messages from the pipes
 * that have some, round-robin, so one busy peer cannot starve the others.
 * Taking a message resumes a pipe whose link paused at the receive
 * high-water mark.
 *
 * The turns are a FIFO of the pipes holding messages: a pipe joins its end
 * when its first message arrives, goes back to the end after each message
 * taken, and leaves when empty. So a receive is O(1) however many peers
 * there are, and peers are served in the order their messages came.
 */
export class FairQueue {
  /** The pipes holding messages, in turn (and removed ones, now empty). */
  #turns = new Queue<Pipe>();
  /** Removed pipes still in `#turns`, skipped when their turn comes. */
  #stale = 0;

  /** How many turns are held, stale ones included: what it costs. */
  get turns(): number {
    return this.#turns.length;
  }

  /** Whether no pipe has a message waiting. */
  get empty(): boolean {
    return this.#next() === undefined;
  }

  /** Notes that `pipe` just got a message in its inbound queue. */
  arrived(pipe: Pipe): void {
    if (pipe.inbound.length !== 1 || pipe.inTurn) return;
    pipe.inTurn = true;
    this.#turns.push(pipe);
  }

  /** Takes the next message in turn, or `undefined`. */
  receive(): Message | undefined {
    // Not through take(): no pair allocated per message on the hot path.
    const pipe = this.#next();
    return pipe && this.#shift(pipe);
  }

  /**
   * Takes the next message in turn, with the pipe it came from.
   *
   * @returns The pipe and the message, or `undefined`.
   */
  take(): [Pipe, Message] | undefined {
    const pipe = this.#next();
    return pipe && [pipe, this.#shift(pipe)];
  }

  /**
   * Takes the next message in turn behind the routing id of the pipe it
   * came from (ROUTER's and STREAM's receive), or `undefined`.
   */
  receiveAddressed(): Message | undefined {
    const pipe = this.#next();
    if (!pipe) return undefined;
    // An id the app wrote into, or whose buffer it transferred away
    // (emptied), is made again from the routing table's key: later
    // messages name the peer as it is, and it can still be answered.
    const key = pipe.routingKey;
    if (key !== undefined && !sameAsKey(pipe.routingId!, key)) {
      pipe.routingId = keyBytes(key);
    }
    const frames = this.#shift(pipe);
    // Literals of the exact size: a spread grew its array from empty (room
    // for 17), per message a ROUTER reads.
    if (frames.length === 1) return [pipe.routingId!, frames[0]];
    if (frames.length === 2) return [pipe.routingId!, frames[0], frames[1]];
    return [pipe.routingId!, ...frames];
  }

  /**
   * Forgets a pipe and drops the messages it still holds. Its turn, if it
   * had one, is skipped when it comes (finding it empty): no search. A
   * socket that never reads (an XPUB whose application ignores it) would
   * keep every departed peer that way, so once most turns are stale they
   * are swept, which costs O(1) per removal over time.
   */
  remove(pipe: Pipe): void {
    // Empty, it left its turn, or was removed already and counted stale.
    if (pipe.inbound.length === 0) return;
    pipe.inbound.clear();
    if (!pipe.inTurn) return;
    this.#stale++;
    if (this.#stale > _SWEEP_AFTER && this.#stale * 2 > this.#turns.length) {
      this.#sweep();
    }
  }

  /** The pipe whose turn it is, or `undefined` when none holds a message. */
  #next(): Pipe | undefined {
    const turns = this.#turns;
    let pipe = turns.peek();
    while (pipe && pipe.inbound.length === 0) {
      // Emptied by remove(): a pipe read to its end leaves in #shift.
      turns.shift()!.inTurn = false;
      if (this.#stale > 0) this.#stale--;
      pipe = turns.peek();
    }
    return pipe;
  }

  /** Drops the turns of removed pipes, keeping the others in order. */
  #sweep(): void {
    for (const pipe of this.#turns.clear()) {
      if (pipe.inbound.length > 0) this.#turns.push(pipe);
      else pipe.inTurn = false;
    }
    this.#stale = 0;
  }

  /** Takes the first message of `pipe`, the pipe whose turn it is. */
  #shift(pipe: Pipe): Message {
    const turns = this.#turns;
    const message = pipe.inbound.shift()!;
    if (pipe.inbound.length === 0) {
      turns.shift()!.inTurn = false;
    } else if (turns.length > 1) {
      turns.shift();
      turns.push(pipe);
    }
    // A ROUTER's unheard peer stays paused while its old messages are read.
    if (!pipe.inboundFull && !pipe.unheard) pipe.link?.resume();
    return message;
  }
}
