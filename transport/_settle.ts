/**
 * Coalescing a burst of sends into one write, without waiting for a turn
 * of the event loop.
 *
 * @module
 */

/**
 * Microtasks a wait lasts at most while sends keep coming: a loop of
 * awaited sends yields to the event loop every 256 (SocketCore's
 * YIELD_EVERY), which ends the wait sooner.
 */
const SETTLE_HOPS = 1024;

/**
 * Waits until a microtask passes without a send, then runs its callback:
 * senders that await each send are then done with their burst (or have
 * yielded to the event loop), and what they queued goes out in one write,
 * not a message per write. A lone message waits two microtasks.
 *
 * Not a macrotask: Deno runs `setImmediate` callbacks about once per
 * hundred MessagePort messages while those keep coming, so a program
 * turning its loop with a MessageChannel starved links that waited for one
 * (a PUB to 1,000 SUBs delivered next to nothing).
 */
export class Settler {
  #then: () => void;
  #sent = false;
  #hops = 0;

  /** @param then What to run once the senders settle. */
  constructor(then: () => void) {
    this.#then = then;
  }

  /** Notes a send: the senders are still at it. */
  sent(): void {
    this.#sent = true;
  }

  /**
   * Runs the callback once a microtask passes without {@linkcode sent}.
   * Starting counts as a send: it comes from one, and a sender awaiting it
   * goes on only after the microtask this queues, so the first look is the
   * second microtask.
   */
  start(): void {
    this.#sent = true;
    this.#hops = 0;
    queueMicrotask(this.#hop);
  }

  #hop = (): void => {
    if (this.#sent && this.#hops++ < SETTLE_HOPS) {
      this.#sent = false;
      queueMicrotask(this.#hop);
      return;
    }
    this.#then();
  };
}
