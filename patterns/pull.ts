/**
 * PULL: the receiving end of a pipeline (RFC 30).
 *
 * @module
 */

import type { SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { FairQueue } from "./_fair_queue.ts";
import { combine, defineRouting } from "./_routing.ts";

/**
 * Receives from all PUSH peers, fair-queued.
 *
 * @example
 * ```ts
 * import { Pull } from "@zmtp/zmq";
 *
 * const sink = new Pull();
 * await sink.bind("tcp://127.0.0.1:0");
 * const message = await sink.receive({ signal: AbortSignal.timeout(10) }).catch(() => undefined);
 * console.log(message); // undefined: nobody sent anything
 * await sink.close();
 * ```
 */
export class Pull extends Socket {
  /**
   * Makes a PULL socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("PULL", options);
    if (new.target === Pull) Object.preventExtensions(this);
  }
}

defineRouting("PULL", () => combine(new FairQueue()));
