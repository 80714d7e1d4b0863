/**
 * Load balancing: sending each message to the next peer that has room.
 *
 * @module
 */

import type { Message } from "./message.ts";
import type { Pipe } from "./pipe.ts";

/**
 * Round-robin over the attached pipes, skipping those at their send
 * high-water mark, as libzmq's PUSH, DEALER and REQ do.
 *
 * @example
 * ```ts ignore
 * const balancer = new LoadBalancer();
 * balancer.add(pipe);
 * balancer.send([new TextEncoder().encode("task")]); // the pipe it went to
 * ```
 */
export class LoadBalancer {
  #pipes: Pipe[] = [];
  #index = 0;

  /** How many pipes take part. */
  get size(): number {
    return this.#pipes.length;
  }

  /** Adds a pipe to the rotation. */
  add(pipe: Pipe): void {
    this.#pipes.push(pipe);
  }

  /** Removes a pipe from the rotation. */
  remove(pipe: Pipe): void {
    const index = this.#pipes.indexOf(pipe);
    if (index < 0) return;
    this.#pipes.splice(index, 1);
    if (this.#index > index) this.#index--;
  }

  /**
   * Queues a message on the next pipe with room.
   *
   * @param message The frames.
   * @returns The pipe used, or `undefined` when every pipe is full (or there is none).
   */
  send(message: Message): Pipe | undefined {
    const pipes = this.#pipes;
    const count = pipes.length;
    for (let i = 0; i < count; i++) {
      const index = (this.#index + i) % count;
      const pipe = pipes[index];
      if (!pipe.full) {
        pipe.write(message);
        this.#index = (index + 1) % count;
        return pipe;
      }
    }
    return undefined;
  }
}
