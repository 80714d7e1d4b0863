/**
 * CHANNEL: an exclusive pair with single frames (RFC 52, draft).
 *
 * @module
 */

import type { SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { Exclusive } from "./_exclusive.ts";
import { defineRouting } from "./_routing.ts";
import { singleFrameRouting } from "./_single_frame.ts";

/**
 * Talks to exactly one CHANNEL peer, in single-frame messages; a second
 * stays connected but unheard, as libzmq's. `send` waits while there is no
 * peer or its queue is full. A multipart send fails with `EINVAL`; a multipart message from the
 * peer is dropped. (libzmq's CHANNEL is a thread-safe PAIR; every socket
 * here is safe to share between the tasks of one thread.)
 *
 * @example
 * ```ts
 * import { Channel } from "@zmtp/zmq";
 *
 * const a = new Channel();
 * await a.bind("tcp://127.0.0.1:0");
 * const b = new Channel();
 * b.connect(a.lastEndpoint!);
 * await b.send("ping");
 * console.log(new TextDecoder().decode((await a.receive())[0])); // "ping"
 * await b.close();
 * await a.close();
 * ```
 */
export class Channel extends Socket {
  /**
   * Makes a CHANNEL socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("CHANNEL", options);
    if (new.target === Channel) Object.preventExtensions(this);
  }
}

defineRouting("CHANNEL", () => singleFrameRouting("CHANNEL", new Exclusive()));
