/**
 * PUSH: the sending end of a pipeline (RFC 30).
 *
 * @module
 */

import { LoadBalancer } from "./load_balancer.ts";
import type { Pipe } from "./pipe.ts";
import { Socket, type SocketOptions } from "./socket.ts";

/**
 * Sends each message to one PULL peer, round-robin. When no peer has room
 * (or there is no peer yet), `send` waits.
 *
 * @example
 * ```ts
 * import { Pull, Push } from "@zmtp/zmq";
 *
 * const sink = new Pull();
 * await sink.bind("tcp://127.0.0.1:0");
 * const ventilator = new Push();
 * ventilator.connect(sink.lastEndpoint!);
 * await ventilator.send("task 1");
 * console.log(new TextDecoder().decode((await sink.receive())[0])); // "task 1"
 * await ventilator.close();
 * await sink.close();
 * ```
 */
export class Push extends Socket {
  #balancer = new LoadBalancer();

  /**
   * Makes a PUSH socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("PUSH", options);
  }

  protected override _send(frames: Uint8Array[]): boolean {
    return this.#balancer.send(frames) !== undefined;
  }

  protected override _attach(pipe: Pipe): void {
    this.#balancer.add(pipe);
  }

  protected override _detach(pipe: Pipe): void {
    this.#balancer.remove(pipe);
  }
}
