/**
 * REQ: the client of synchronous request-reply (RFC 28).
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { Message, OutboundMessage } from "./message.ts";
import type { SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { FairQueue } from "./_fair_queue.ts";
import { LoadBalancer } from "./_load_balancer.ts";
import type { Pipe } from "./_pipe.ts";
import { defineRouting, type Routing, type RoutingHost } from "./_routing.ts";
import { checkSwitch, defineOptionNames } from "./_option_names.ts";

const _DELIMITER = new Uint8Array(0);

/** Options of a {@linkcode Request}, with libzmq's meaning. */
export interface RequestOptions extends SocketOptions {
  /**
   * Allow a new request before the reply to the last one (ZMQ_REQ_RELAXED):
   * the old request is given up, so a client recovers from a server that
   * died mid-request. Use with `requestCorrelate`.
   */
  requestRelaxed?: boolean | undefined;
  /**
   * Prefix each request with a 4-byte request id and accept only the reply
   * that carries it back (ZMQ_REQ_CORRELATE), so a late reply to an
   * abandoned request is dropped.
   */
  requestCorrelate?: boolean | undefined;
}

/**
 * Sends a request, then receives its reply, strictly in turn. Requests go
 * round-robin to the peers, behind an empty delimiter frame; only the
 * reply from the peer that got the request is accepted (from any peer once
 * that one has left, as libzmq). A peer that sends a message without the
 * delimiter is dropped with a protocol error and, for a `connect`, not
 * dialled again, as libzmq's.
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
  #requestRelaxed = false;
  /** See {@linkcode RequestOptions.requestRelaxed}. */
  get requestRelaxed(): boolean {
    return this.#requestRelaxed;
  }
  set requestRelaxed(on: boolean) {
    this.#requestRelaxed = checkSwitch("requestRelaxed", on);
  }
  #requestCorrelate = false;
  /** See {@linkcode RequestOptions.requestCorrelate}. */
  get requestCorrelate(): boolean {
    return this.#requestCorrelate;
  }
  set requestCorrelate(on: boolean) {
    this.#requestCorrelate = checkSwitch("requestCorrelate", on);
  }

  /**
   * Makes a REQ socket.
   *
   * @param options Socket options.
   */
  constructor(options: RequestOptions = {}) {
    super("REQ", options);
    this.requestRelaxed = options.requestRelaxed ?? false;
    this.requestCorrelate = options.requestCorrelate ?? false;
    if (new.target === Request) Object.preventExtensions(this);
  }
}

/** Load-balanced out, fair-queued in, and REQ's rule: strict alternation. */
class _RequestRouting implements Routing {
  #socket: Request;
  #host: RoutingHost;
  #balancer = new LoadBalancer();
  #queue = new FairQueue();
  #requestId = (Math.random() * 0x1_0000_0000) >>> 0;
  #expectedId: Uint8Array | undefined;
  #awaitingReply = false;
  #target: Pipe | undefined;

  constructor(socket: Request, host: RoutingHost) {
    this.#socket = socket;
    this.#host = host;
  }

  /** Not while a strict REQ owes a receive (libzmq's req xhas_out). */
  writable(): boolean {
    const unread = this.#awaitingReply || this.#host.setAside;
    return (!unread || this.#socket.requestRelaxed) &&
      this.#balancer.writable();
  }

  send(frames: OutboundMessage): boolean {
    const socket = this.#socket;
    // A reply `readable` set aside is not read yet either, as in libzmq.
    const unread = this.#awaitingReply || this.#host.setAside;
    if (unread && !socket.requestRelaxed) {
      throw new ZmqError(
        "EFSM",
        "a REQ socket must receive the reply before it sends another request (or set requestRelaxed)",
      );
    }
    if (unread) {
      // Relaxed: the owed reply is given up as this send starts, whether
      // or not it goes (libzmq's req xsend): should it fail, a receive is
      // EFSM, and a late reply to the old request is dropped.
      this.#awaitingReply = false;
      this.#host.dropSetAside();
    }
    let id: Uint8Array | undefined;
    if (socket.requestCorrelate) {
      id = new Uint8Array(4);
      // In host order, as libzmq copies its counter: little-endian on x86
      // and ARM, so a broker that reads it as a number sees it count.
      new DataView(id.buffer).setUint32(0, this.#requestId, true);
    }
    const envelope = id ? [id, _DELIMITER] : [_DELIMITER];
    if (!this.#balancer.send([...envelope, ...frames])) return false;
    // What came and was not read is stale now: dropped, as libzmq drops it
    // (a second reply to the last request would pass for this one's); a
    // reply `readable` set aside went as the send started.
    while (this.#queue.take());
    if (id) this.#requestId = (this.#requestId + 1) >>> 0;
    this.#awaitingReply = true;
    this.#target = this.#balancer.last;
    this.#expectedId = id;
    return true;
  }

  receive(): Message | undefined {
    if (!this.#awaitingReply && !this.#host.sendPending) {
      throw new ZmqError(
        "EFSM",
        "a REQ socket must send a request before it receives",
      );
    }
    // The request is still waiting to go: what came is stale (its send
    // empties the queue), not a reply to it.
    if (!this.#awaitingReply) return undefined;
    while (true) {
      const item = this.#queue.take();
      if (!item) return undefined;
      const [pipe, message] = item;
      // A reply from another peer, to another request, or without the
      // delimiter, is stale or malformed: drop it.
      // (None once the peer asked left: any may answer, as libzmq's.)
      if (this.#target && pipe !== this.#target) continue;
      const expected = this.#expectedId;
      const skip = expected ? 2 : 1;
      if (message.length <= skip || message[skip - 1].length > 0) continue;
      if (expected && !_sameBytes(message[0], expected)) continue;
      this.#awaitingReply = false;
      this.#target = undefined;
      this.#expectedId = undefined;
      return message.slice(skip);
    }
  }

  attach(pipe: Pipe): void {
    this.#balancer.attach(pipe);
  }

  detach(pipe: Pipe): void {
    // What the peer sent before it went stays readable, as in libzmq.
    this.#balancer.detach(pipe);
    if (pipe === this.#target) this.#target = undefined;
  }

  arrived(pipe: Pipe): void {
    this.#queue.arrived(pipe);
  }

  drained(pipe: Pipe): void {
    this.#balancer.drained(pipe);
  }
}

defineRouting<Request>(
  "REQ",
  (socket, host) => new _RequestRouting(socket, host),
);

function _sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

defineOptionNames<RequestOptions, SocketOptions>()(Request, [
  "requestRelaxed",
  "requestCorrelate",
]);
