/**
 * Numbered routing: each peer known by a 32-bit routing id the socket
 * gives it, as libzmq's SERVER and PEER do.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";
import type { Message, MessageLike, OutboundMessage } from "./message.ts";
import { FairQueue } from "./_fair_queue.ts";
import type { Pipe } from "./_pipe.ts";
import type { Routing, RoutingHost } from "./_routing.ts";
import {
  checkSingleFrame,
  sendBehind,
  takeSingleFrame,
} from "./_single_frame.ts";

const _MAX_ROUTING_ID = 0xffff_ffff;

/**
 * A SERVER's or a PEER's send: hands `send` the routing id as a leading
 * 4-byte frame, then the message, or rejects at once.
 *
 * @param options What the caller passed: `routingId` is the one a receive
 * (or a PEER's `connect`) reported.
 * @param send The socket's own send, given the frames.
 */
export function sendNumbered(
  type: SocketType,
  message: MessageLike,
  options: { readonly routingId?: unknown } | undefined,
  send: (frames: OutboundMessage) => Promise<void>,
): Promise<void> {
  return sendBehind(() => _idFrame(type, options?.routingId), message, send);
}

/**
 * A routing id as the 4-byte frame the routing reads.
 *
 * @throws {ZmqError} `EINVAL` unless an integer from 1 to 2³² − 1 (libzmq
 * refuses 0 too: no peer is ever given it).
 */
function _idFrame(type: SocketType, routingId: unknown): Uint8Array {
  if (
    typeof routingId !== "number" || !Number.isInteger(routingId) ||
    routingId < 1 || routingId > _MAX_ROUTING_ID
  ) {
    throw new ZmqError(
      "EINVAL",
      `a ${type} socket sends to one peer: pass send(message, { routingId }) with the routingId a receive reported (an integer from 1 to ${_MAX_ROUTING_ID})`,
    );
  }
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, routingId);
  return id;
}

/**
 * SERVER's and PEER's routing: each pipe gets a routing id when it joins
 * (the first one random, then counting up, never 0, as libzmq does), kept
 * across reconnects of a `connect` pipe; received messages carry the id of
 * their pipe as `routingId`, fair-queued, multipart ones skipped; a send
 * (one frame behind its id frame) goes to the pipe the id names, waiting
 * while that pipe is full.
 */
export class Numbered implements Routing {
  /**
   * The routing id given to the `connect` pipe that joined last (a PEER's
   * `connect` returns it): not an accepted one, which an inproc connect to
   * a name this socket bound joins within the same call.
   */
  lastConnected = 0;
  #type: SocketType;
  #host: RoutingHost;
  #queue = new FairQueue();
  #pipes = new Map<number, Pipe>();
  /** Kept once the pipe leaves, for the messages it left unread. */
  #ids = new WeakMap<Pipe, number>();
  #nextId = (Math.random() * 0x1_0000_0000) >>> 0;

  constructor(type: SocketType, host: RoutingHost) {
    this.#type = type;
    this.#host = host;
  }

  check(frames: OutboundMessage): void {
    checkSingleFrame(this.#type, frames, 1);
  }

  sendKey(frames: OutboundMessage): number {
    return new DataView(frames[0].buffer, frames[0].byteOffset, 4)
      .getUint32(0);
  }

  pipeKey(pipe: Pipe): number | undefined {
    return this.#ids.get(pipe);
  }

  send(frames: OutboundMessage): boolean {
    const routingId = this.sendKey(frames);
    const pipe = this.#pipes.get(routingId);
    if (!pipe) {
      throw new ZmqError(
        "EHOSTUNREACH",
        `no peer of this ${this.#type} socket has the routing id ${routingId}; send to the routingId a receive reported, while that peer is connected`,
      );
    }
    if (pipe.full) return false;
    pipe.write(frames.slice(1));
    return true;
  }

  receive(): Message | undefined {
    let from: Pipe | undefined;
    const message = takeSingleFrame(() => {
      const item = this.#queue.take();
      if (!item) return undefined;
      from = item[0];
      return item[1];
    });
    if (!message) return undefined;
    return Object.assign(message, { routingId: this.#ids.get(from!)! });
  }

  attach(pipe: Pipe): void {
    const routingId = this.#newId();
    this.#pipes.set(routingId, pipe);
    this.#ids.set(pipe, routingId);
    if (!pipe.accepted) this.lastConnected = routingId;
  }

  detach(pipe: Pipe): void {
    const routingId = this.#ids.get(pipe);
    if (routingId === undefined || this.#pipes.get(routingId) !== pipe) return;
    this.#pipes.delete(routingId);
    // A send waiting for this pipe's room now fails with EHOSTUNREACH.
    this.#host.retrySends(pipe);
  }

  arrived(pipe: Pipe): void {
    this.#queue.arrived(pipe);
  }

  #newId(): number {
    while (true) {
      const id = this.#nextId;
      this.#nextId = (id + 1) >>> 0;
      if (id !== 0 && !this.#pipes.has(id)) return id;
    }
  }
}
