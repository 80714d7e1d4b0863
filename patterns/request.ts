/**
 * REQ: the client of synchronous request-reply (RFC 28).
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import { FairQueue } from "./fair_queue.ts";
import { LoadBalancer } from "./load_balancer.ts";
import type { Message } from "./message.ts";
import type { Pipe } from "./pipe.ts";
import { Socket, type SocketOptions } from "./socket.ts";

const _DELIMITER = new Uint8Array(0);

/**
 * Sends a request, then receives its reply, strictly in turn. Requests go
 * round-robin to the peers, behind an empty delimiter frame; only the
 * reply from the peer that got the request is accepted.
 *
 * @example
 * ```ts
 * import { Reply, Request } from "@zmtp/zmq";
 *
 * const server = new Reply();
 * await server.bind("tcp://127.0.0.1:0");
 * const client = new Request();
 * client.connect(server.lastEndpoint!);
 * await client.send("Hello");
 * await server.receive();
 * await server.send("World");
 * console.log(new TextDecoder().decode((await client.receive())[0])); // "World"
 * await client.close();
 * await server.close();
 * ```
 */
export class Request extends Socket {
  #balancer = new LoadBalancer();
  #queue = new FairQueue();
  #awaitingReply = false;
  #target: Pipe | undefined;

  /**
   * Makes a REQ socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("REQ", options);
  }

  protected override _send(frames: Uint8Array[]): boolean {
    if (this.#awaitingReply) {
      throw new ZmqError(
        "EFSM",
        "a REQ socket must receive the reply before it sends another request",
      );
    }
    const pipe = this.#balancer.send([_DELIMITER, ...frames]);
    if (!pipe) return false;
    this.#awaitingReply = true;
    this.#target = pipe;
    return true;
  }

  protected override _receive(): Message | undefined {
    if (!this.#awaitingReply && !this._sendPending) {
      throw new ZmqError(
        "EFSM",
        "a REQ socket must send a request before it receives",
      );
    }
    while (true) {
      const item = this.#queue.take();
      if (!item) return undefined;
      const [pipe, message] = item;
      // A reply from another peer, or one without the delimiter, is stale or malformed.
      if (
        pipe !== this.#target || message.length < 2 || message[0].length > 0
      ) {
        continue;
      }
      this.#awaitingReply = false;
      this.#target = undefined;
      return message.slice(1);
    }
  }

  protected override _attach(pipe: Pipe): void {
    this.#balancer.add(pipe);
  }

  protected override _detach(pipe: Pipe): void {
    this.#balancer.remove(pipe);
    this.#queue.remove(pipe);
  }

  protected override _arrived(pipe: Pipe): void {
    this.#queue.arrived(pipe);
  }
}
