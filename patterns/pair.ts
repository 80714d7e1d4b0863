/**
 * PAIR: an exclusive connection between two sockets (RFC 31).
 *
 * @module
 */

import type { Message } from "./message.ts";
import type { Pipe } from "./pipe.ts";
import { Socket, type SocketOptions } from "./socket.ts";

/**
 * Talks to exactly one peer; a second peer is refused. `send` waits while
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
  #pipe: Pipe | undefined;

  /**
   * Makes a PAIR socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("PAIR", options);
  }

  protected override _send(frames: Uint8Array[]): boolean {
    const pipe = this.#pipe;
    if (!pipe || pipe.full) return false;
    pipe.write(frames);
    return true;
  }

  protected override _receive(): Message | undefined {
    const pipe = this.#pipe;
    const message = pipe?.inbound.shift();
    if (message && !pipe!.inboundFull) pipe!.pump?.resume();
    return message;
  }

  protected override _attach(pipe: Pipe): void {
    this.#pipe ??= pipe;
  }

  protected override _ready(pipe: Pipe): boolean {
    return this.#pipe === pipe;
  }

  protected override _detach(pipe: Pipe): void {
    if (this.#pipe === pipe) this.#pipe = undefined;
  }

  protected override _arrived(pipe: Pipe): void {
    if (pipe !== this.#pipe) pipe.inbound.clear();
  }
}
