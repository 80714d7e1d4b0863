/**
 * GATHER: the receiving end of SCATTER/GATHER (RFC 49, draft).
 *
 * @module
 */

import type { SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { FairQueue } from "./_fair_queue.ts";
import { defineRouting } from "./_routing.ts";
import { singleFrameRouting } from "./_single_frame.ts";

/**
 * PULL with single frames: receives from all its SCATTER peers,
 * fair-queued. A multipart message from a peer is dropped, as libzmq does.
 *
 * @example
 * ```ts
 * import { Gather, Scatter } from "@zmtp/zmq";
 *
 * const gather = new Gather();
 * await gather.bind("tcp://127.0.0.1:0");
 * const scatter = new Scatter();
 * scatter.connect(gather.lastEndpoint!);
 * await scatter.send("result");
 * const [result] = await gather.receive();
 * console.log(new TextDecoder().decode(result)); // "result"
 * await scatter.close();
 * await gather.close();
 * ```
 */
export class Gather extends Socket {
  /**
   * Makes a GATHER socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("GATHER", options);
    if (new.target === Gather) Object.preventExtensions(this);
  }
}

defineRouting("GATHER", () => singleFrameRouting("GATHER", new FairQueue()));
