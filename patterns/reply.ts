/**
 * REP: the server of synchronous request-reply (RFC 28).
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { Message, OutboundMessage } from "./message.ts";
import type { SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { FairQueue } from "./_fair_queue.ts";
import type { Pipe } from "./_pipe.ts";
import { defineRouting, type Routing, type RoutingHost } from "./_routing.ts";

/**
 * Receives a request, then sends its reply, strictly in turn. The
 * request's envelope (routing frames up to the empty delimiter) is kept and
 * put back on the reply, so replies find their way through ROUTER/DEALER
 * brokers.
 *
 * @example
 * ```ts
 * import { Reply } from "@zmtp/zmq";
 *
 * const server = new Reply();
 * await server.bind("tcp://127.0.0.1:0");
 * // for await (const [request] of server) await server.send("World");
 * await server.close();
 * ```
 */
export class Reply extends Socket {
  /**
   * Makes a REP socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("REP", options);
    if (new.target === Reply) Object.preventExtensions(this);
  }
}

/** Fair-queued in, and REP's rule: reply to the sender, with its envelope. */
class _ReplyRouting implements Routing {
  #host: RoutingHost;
  #queue = new FairQueue();
  #envelope: Uint8Array[] | undefined;
  #from: Pipe | undefined;

  constructor(host: RoutingHost) {
    this.#host = host;
  }

  receive(): Message | undefined {
    if (this.#envelope) {
      throw new ZmqError(
        "EFSM",
        "a REP socket must send the reply before it receives the next request",
      );
    }
    while (true) {
      const item = this.#queue.take();
      if (!item) return undefined;
      const [pipe, message] = item;
      const delimiter = message.findIndex((frame) => frame.length === 0);
      // No delimiter, or nothing after it: not a request; libzmq drops it too.
      if (delimiter < 0 || delimiter === message.length - 1) continue;
      this.#envelope = message.slice(0, delimiter + 1);
      this.#from = pipe;
      return message.slice(delimiter + 1);
    }
  }

  /**
   * Only with a request received to answer (libzmq's rep xhas_out): one
   * that `readable` set aside has not reached the application yet.
   */
  writable(): boolean {
    return this.#envelope !== undefined && !this.#host.setAside;
  }

  send(frames: OutboundMessage): boolean {
    const envelope = this.#envelope;
    const pipe = this.#from;
    if (!envelope || !pipe || this.#host.setAside) {
      throw new ZmqError(
        "EFSM",
        "a REP socket must receive a request before it sends a reply",
      );
    }
    this.#envelope = undefined;
    this.#from = undefined;
    // A reply to a peer that left (or is over its limit) is dropped, as libzmq does.
    if (pipe.attached && !pipe.full) pipe.write([...envelope, ...frames]);
    // A request that came meanwhile can be read now: a poll waiting is told
    // (zeromq.js triggers its poller after a send, for this).
    this.#host.delivered();
    return true;
  }

  arrived(pipe: Pipe): void {
    this.#queue.arrived(pipe);
  }
}

defineRouting("REP", (_socket, host) => new _ReplyRouting(host));
