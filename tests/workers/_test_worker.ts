/** A Worker of the cross-isolate tests, driven from the test's isolate. */
import type { Context, SharedContext } from "../../mod.ts";
import type { Start } from "./_worker.ts";
import { within } from "../_fakes.ts";

/** What a Worker of tests/workers/_worker.ts plays. */
type Role = Start["role"];

/** What a Worker of tests/workers/_worker.ts answers. */
export interface WorkerReply {
  op: string;
  message?: Uint8Array[];
  count?: number;
  unread?: number;
  detached?: boolean[];
}

/** A Worker running tests/workers/_worker.ts, with its replies awaited in order. */
export class TestWorker {
  #worker = new Worker(new URL("./_worker.ts", import.meta.url), {
    type: "module",
  });
  #replies: WorkerReply[] = [];
  #wake: (() => void) | undefined;

  constructor() {
    this.#worker.onmessage = (event) => {
      this.#replies.push(event.data);
      this.#wake?.();
    };
    this.#worker.onerror = (event) => {
      // A Worker's uncaught error, as the crash test makes: it ends.
      event.preventDefault();
      this.#replies.push({ op: "error" });
      this.#wake?.();
    };
  }

  post(command: unknown, transfer: Transferable[] = []): void {
    this.#worker.postMessage(command, transfer);
  }

  start(
    context: Context,
    role: Role,
    endpoint: string,
    bind: boolean,
  ): Promise<unknown> {
    return this.startWith(context.share(), role, endpoint, bind);
  }

  /** Starts with a handle shared already. */
  async startWith(
    shared: SharedContext,
    role: Role,
    endpoint: string,
    bind: boolean,
  ): Promise<unknown> {
    await this.next("loaded");
    this.post({ op: "start", shared, role, endpoint, bind }, [shared.port]);
    return this.next("ready");
  }

  async next(
    op: string,
  ): Promise<WorkerReply> {
    for (;;) {
      const index = this.#replies.findIndex((reply) => reply.op === op);
      if (index >= 0) return this.#replies.splice(index, 1)[0];
      await within(
        new Promise<void>((resolve) => this.#wake = resolve),
        `the worker's ${op}`,
        10_000,
      );
    }
  }

  /** How many replies of `op` have come and are not yet taken. */
  waiting(op: string): number {
    return this.#replies.filter((reply) => reply.op === op).length;
  }

  terminate(): void {
    this.#worker.terminate();
  }

  async stop(): Promise<void> {
    this.post({ op: "stop" });
    await this.next("closed");
    this.#worker.terminate();
  }
}
