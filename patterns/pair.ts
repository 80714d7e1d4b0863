/**
 * PAIR: an exclusive connection between two sockets (RFC 31).
 *
 * @module
 */

import type { SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { Exclusive } from "./_exclusive.ts";
import { defineRouting } from "./_routing.ts";

/**
 * Talks to exactly one peer; a second stays connected but unheard, as
 * libzmq's PAIR keeps it (what it sends is not read). `send` waits while
 * there is no peer or its queue is full.
 *
 * @example
 * ```ts
 * import { Pair } from "@zmtp/zmq";
 *
 * const a = new Pair();
 * await a.bind("tcp://127.0.0.1:0");
 * const b = new Pair();
 * b.connect(a.lastEndpoint!);
 * await b.send("ping");
 * console.log(new TextDecoder().decode((await a.receive())[0])); // "ping"
 * await b.close();
 * await a.close();
 * ```
 */
export class Pair extends Socket {
  /**
   * Makes a PAIR socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("PAIR", options);
    if (new.target === Pair) Object.preventExtensions(this);
  }
}

defineRouting("PAIR", () => new Exclusive());
