/**
 * Load balancing: sending each message to the next peer that has room.
 *
 * @module
 */

import type { Message } from "./message.ts";
import type { Pipe } from "./_pipe.ts";

/**
 * The outgoing strategy of PUSH, DEALER and REQ: round-robin over the
 * attached pipes, skipping those at their send high-water mark, as libzmq
 * does.
 */
export class LoadBalancer {
  #pipes: Pipe[] = [];
  #index = 0;
  /** The pipe the last message went to. */
  last: Pipe | undefined;

  /** How many pipes take part. */
  get size(): number {
    return this.#pipes.length;
  }

  /** Adds a pipe to the rotation. */
  attach(pipe: Pipe): void {
    this.#pipes.push(pipe);
  }

  /** Removes a pipe from the rotation. */
  detach(pipe: Pipe): void {
    const index = this.#pipes.indexOf(pipe);
    if (index < 0) return;
    this.#pipes.splice(index, 1);
    if (this.#index > index) this.#index--;
    if (this.last === pipe) this.last = undefined;
  }

  /**
   * Queues a message on the next pipe with room (then in `last`).
   *
   * @returns `false` when every pipe is full, or there is none.
   */
  send(message: Message): boolean {
    const pipes = this.#pipes;
    const count = pipes.length;
    for (let i = 0; i < count; i++) {
      const index = (this.#index + i) % count;
      const pipe = pipes[index];
      if (!pipe.full) {
        pipe.write(message);
        this.#index = (index + 1) % count;
        this.last = pipe;
        return true;
      }
    }
    return false;
  }
}
