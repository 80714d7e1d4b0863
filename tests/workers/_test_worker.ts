/** A Worker of the cross-isolate tests, driven from the test's isolate. */
import type { Context, SharedContext } from "../../mod.ts";
import type { Start } from "./_worker.ts";
import { WorkerReplies } from "./_worker_replies.ts";

/** What a Worker of tests/workers/_worker.ts plays. */
type Role = Start["role"];

/** What a Worker of tests/workers/_worker.ts answers. */
export interface WorkerReply {
  op: string;
  message?: Uint8Array<ArrayBuffer>[] | undefined;
  count?: number | undefined;
  unread?: number | undefined;
  detached?: boolean[] | undefined;
}

/** A Worker running tests/workers/_worker.ts, with its replies awaited in order. */
export class TestWorker extends WorkerReplies<WorkerReply> {
  constructor() {
    super("./_worker.ts", true);
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
}
