/**
 * PULL: the receiving end of a pipeline (RFC 30).
 *
 * @module
 */

import { FairQueue } from "./fair_queue.ts";
import type { Message } from "./message.ts";
import type { Pipe } from "./pipe.ts";
import { Socket, type SocketOptions } from "./socket.ts";

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
  #queue = new FairQueue();

  /**
   * Makes a PULL socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("PULL", options);
  }

  protected override _receive(): Message | undefined {
    return this.#queue.take()?.[1];
  }

  protected override _arrived(pipe: Pipe): void {
    this.#queue.arrived(pipe);
  }
}
