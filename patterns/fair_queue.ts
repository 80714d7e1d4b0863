/**
 * Fair queuing: reading from peers in turn, one message each.
 *
 * @module
 */

import type { Message } from "./message.ts";
import type { Pipe } from "./pipe.ts";

/**
 * Takes messages from the pipes that have some, round-robin, so one busy
 * peer cannot starve the others. Taking a message resumes a pipe whose
 * connection paused at the receive high-water mark.
 *
 * @example
 * ```ts ignore
 * const queue = new FairQueue();
 * pipe.inbound.push(message);
 * queue.arrived(pipe);
 * const [from, taken] = queue.take()!;
 * ```
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

  /**
   * Takes the next message in turn.
   *
   * @returns The pipe it came from and the message, or `undefined`.
   */
  take(): [Pipe, Message] | undefined {
    const active = this.#active;
    if (active.length === 0) return undefined;
    if (this.#index >= active.length) this.#index = 0;
    const pipe = active[this.#index];
    const message = pipe.inbound.shift()!;
    if (pipe.inbound.length === 0) {
      active.splice(this.#index, 1);
    } else {
      this.#index++;
    }
    if (!pipe.inboundFull) pipe.pump?.resume();
    return [pipe, message];
  }

  /** Forgets a pipe and drops the messages it still holds. */
  remove(pipe: Pipe): void {
    const index = this.#active.indexOf(pipe);
    if (index < 0) return;
    this.#active.splice(index, 1);
    pipe.inbound.clear();
  }
}
