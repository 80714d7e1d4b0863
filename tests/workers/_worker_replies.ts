/**
 * A Web Worker of the cross-isolate tests with its replies (each an object
 * with an `op`) kept in order and awaited by op, with a deadline.
 */
import { within } from "../_fakes.ts";

/** A Worker of `module`, its replies (of type `R`) awaited by op. */
export class WorkerReplies<R extends { op: string }> {
  #worker: Worker;
  #replies: R[] = [];
  #wake: (() => void) | undefined;

  /**
   * @param module The Worker's module, relative to this folder.
   * @param caught Whether its uncaught error (as a crash test makes) is a
   * reply, `{ op: "error" }`, rather than the test's failure.
   */
  constructor(module: string, caught = false) {
    this.#worker = new Worker(new URL(module, import.meta.url), {
      type: "module",
    });
    this.#worker.onmessage = (event) => {
      this.#replies.push(event.data);
      this.#wake?.();
    };
    if (!caught) return;
    this.#worker.onerror = (event) => {
      // The Worker ends.
      event.preventDefault();
      this.#replies.push({ op: "error" } as R);
      this.#wake?.();
    };
  }

  /**
   * The next reply of `op`, within `ms` (a Worker's first, `loaded`, waits
   * for its module to be checked: give it longer).
   */
  async next(op: string, ms = 10_000): Promise<R> {
    for (;;) {
      const index = this.#replies.findIndex((reply) => reply.op === op);
      if (index >= 0) return this.#replies.splice(index, 1)[0];
      await within(
        new Promise<void>((resolve) => this.#wake = resolve),
        `the Worker's ${op}`,
        ms,
      );
    }
  }

  /** How many replies of `op` have come and are not yet taken. */
  waiting(op: string): number {
    return this.#replies.filter((reply) => reply.op === op).length;
  }

  post(command: unknown, transfer: Transferable[] = []): void {
    this.#worker.postMessage(command, transfer);
  }

  terminate(): void {
    this.#worker.terminate();
  }

  /** Tells it to stop (`{ op: "stop" }`), waits for `closed`, ends it. */
  async stop(): Promise<void> {
    this.post({ op: "stop" });
    await this.next("closed");
    this.terminate();
  }
}
