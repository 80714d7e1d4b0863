/**
 * Load balancing: sending each message to the next peer that has room.
 *
 * @module
 */

import type { OutboundMessage } from "./message.ts";
import type { Pipe } from "./_pipe.ts";

/**
 * The outgoing strategy of PUSH, DEALER and REQ: round-robin over the
 * attached pipes that have room, as libzmq's lb_t. The pipes with room come
 * first in one array: a full pipe is swapped out of that range when a send
 * finds it full and back in when it {@linkcode LoadBalancer.drained}
 * drains, so a send looks at O(1) pipes however many are full, and a pipe
 * joins or leaves in O(1).
 *
 * A host that never reports drained pipes still works: until the first
 * report, a send that finds every pipe full looks at the full ones again.
 */
export class LoadBalancer {
  /** The pipes: `[0, #active)` have room (as last seen), the rest are full. */
  #pipes: Pipe[] = [];
  /** Where each pipe is in `#pipes`. */
  #positions = new Map<Pipe, number>();
  #active = 0;
  #current = 0;
  /** Whether drained pipes are reported, so full ones need no second look. */
  #reported = false;
  /** The pipe the last message went to. */
  last: Pipe | undefined;

  /** How many pipes take part. */
  get size(): number {
    return this.#pipes.length;
  }

  /** Adds a pipe to the rotation. */
  attach(pipe: Pipe): void {
    if (this.#positions.has(pipe)) return;
    this.#positions.set(pipe, this.#pipes.length);
    this.#pipes.push(pipe);
    // Full or not: the next send that comes to it finds out.
    this.#swap(this.#pipes.length - 1, this.#active++);
  }

  /** Removes a pipe from the rotation. */
  detach(pipe: Pipe): void {
    let index = this.#positions.get(pipe);
    if (index === undefined) return;
    if (this.last === pipe) this.last = undefined;
    if (index < this.#active) {
      // Its place among the active goes to the last active pipe.
      this.#swap(index, --this.#active);
      if (this.#current === this.#active) this.#current = 0;
      index = this.#active;
    }
    this.#swap(index, this.#pipes.length - 1);
    this.#pipes.pop();
    this.#positions.delete(pipe);
  }

  /**
   * A pipe that was full has room again (its link wrote some of its
   * queue): it takes turns again.
   */
  drained(pipe: Pipe): void {
    this.#reported = true;
    const index = this.#positions.get(pipe);
    if (index === undefined || index < this.#active || pipe.full) return;
    this.#swap(index, this.#active++);
  }

  /**
   * Queues a message on the next pipe with room (then in `last`).
   *
   * @returns `false` when every pipe is full, or there is none.
   */
  send(message: OutboundMessage): boolean {
    const pipes = this.#pipes;
    if (this.#active === 0 && !this.#reported) this.#recheck();
    while (this.#active > 0) {
      const pipe = pipes[this.#current];
      if (pipe.full) {
        // Out of the rotation until drained: each pipe is looked at full
        // once per time it fills, so a send costs O(1) amortised.
        this.#swap(this.#current, --this.#active);
        if (this.#current === this.#active) this.#current = 0;
        continue;
      }
      pipe.write(message);
      this.#current = (this.#current + 1) % this.#active;
      this.last = pipe;
      return true;
    }
    return false;
  }

  /** Whether `send` would queue a message now (libzmq's lb has_out). */
  writable(): boolean {
    const pipes = this.#pipes;
    if (this.#active === 0 && !this.#reported) this.#recheck();
    while (this.#active > 0) {
      if (!pipes[this.#current].full) return true;
      // Out of the rotation until drained, as `send` would leave it.
      this.#swap(this.#current, --this.#active);
      if (this.#current === this.#active) this.#current = 0;
    }
    return false;
  }

  /** Takes back into the rotation the full pipes that have room now. */
  #recheck(): void {
    const pipes = this.#pipes;
    for (let i = this.#active; i < pipes.length; i++) {
      if (!pipes[i].full) this.#swap(i, this.#active++);
    }
  }

  #swap(i: number, j: number): void {
    if (i === j) return;
    const pipes = this.#pipes;
    const a = pipes[i];
    const b = pipes[j];
    pipes[i] = b;
    pipes[j] = a;
    this.#positions.set(a, j);
    this.#positions.set(b, i);
  }
}
