/**
 * Fair queuing: reading from peers in turn, one message each.
 *
 * @module
 */

import type { Message } from "./message.ts";
import type { Pipe } from "./_pipe.ts";

/**
 * The incoming strategy of most sockets: takes messages from the pipes
 * that have some, round-robin, so one busy peer cannot starve the others.
 * Taking a message resumes a pipe whose link paused at the receive
 * high-water mark.
 */
export class FairQueue {
  #active: Pipe[] = [];
  #index = 0;

  /** Whether no pipe has a message waiting. */
  get empty(): boolean {
    return this.#active.length === 0;
  }

  /** Notes that `pipe` just got a message in its inbound queue. */
  arrived(pipe: Pipe): void {
    if (pipe.inbound.length === 1) this.#active.push(pipe);
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
    return pipe && [pipe.routingId!, ...this.#shift(pipe)];
  }

  /** Forgets a pipe and drops the messages it still holds. */
  remove(pipe: Pipe): void {
    const index = this.#active.indexOf(pipe);
    if (index < 0) return;
    this.#active.splice(index, 1);
    if (this.#index > index) this.#index--;
    pipe.inbound.clear();
  }

  /** The pipe whose turn it is, or `undefined` when none holds a message. */
  #next(): Pipe | undefined {
    const active = this.#active;
    if (active.length === 0) return undefined;
    if (this.#index >= active.length) this.#index = 0;
    return active[this.#index];
  }

  /** Takes the first message of `pipe`, the pipe whose turn it is. */
  #shift(pipe: Pipe): Message {
    const message = pipe.inbound.shift()!;
    if (pipe.inbound.length === 0) {
      this.#active.splice(this.#index, 1);
    } else {
      this.#index++;
    }
    if (!pipe.inboundFull) pipe.link?.resume();
    return message;
  }
}
