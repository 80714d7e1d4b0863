/**
 * Numbered routing: each peer known by a 32-bit routing id the socket
 * gives it, as libzmq's SERVER and PEER do.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";
import type { Message, MessageLike } from "./message.ts";
import { FairQueue } from "./_fair_queue.ts";
import type { Pipe } from "./_pipe.ts";
import type { Routing, RoutingHost } from "./_routing.ts";
import { sendSingleFrame, takeSingleFrame } from "./_single_frame.ts";

const _MAX_ROUTING_ID = 0xffff_ffff;

/**
 * The frames a SERVER or PEER hands its core: the routing id as a leading
 * 4-byte frame, then the message's one frame; or a rejection at once.
 *
 * @param routingId What the caller passed: a routing id a receive reported.
 * @param send The socket's own send, given the frames.
 */
export function sendNumbered(
  type: SocketType,
  message: MessageLike,
  routingId: unknown,
  send: (frames: Message) => Promise<void>,
): Promise<void> {
  if (
    typeof routingId !== "number" || !Number.isInteger(routingId) ||
    routingId < 0 || routingId > _MAX_ROUTING_ID
  ) {
    return Promise.reject(
      new ZmqError(
        "EINVAL",
        `a ${type} socket sends to one peer: pass send(message, { routingId }) with the routingId a receive reported (an integer from 1 to ${_MAX_ROUTING_ID})`,
      ),
    );
  }
  return sendSingleFrame(type, message, (frame) => {
    const id = new Uint8Array(4);
    new DataView(id.buffer).setUint32(0, routingId);
    return send([id, frame]);
  });
}

/**
 * SERVER's and PEER's routing: each pipe gets a routing id when it joins
 * (the first one random, then counting up, never 0, as libzmq does), kept
 * across reconnects of a `connect` pipe; received messages carry the id of
 * their pipe as `routingId`, fair-queued; a send goes to the pipe its
 * leading id frame names, waiting while that pipe is full.
 */
export class Numbered implements Routing {
  /** The routing id given to the pipe that joined last (a PEER's `connect`). */
  lastAttached = 0;
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

  send(frames: Message): boolean {
    const routingId = new DataView(
      frames[0].buffer,
      frames[0].byteOffset,
      4,
    ).getUint32(0);
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
    this.lastAttached = routingId;
  }

  detach(pipe: Pipe): void {
    const routingId = this.#ids.get(pipe);
    if (routingId === undefined || this.#pipes.get(routingId) !== pipe) return;
    this.#pipes.delete(routingId);
    // A send waiting for this pipe's room now fails with EHOSTUNREACH.
    this.#host.retrySends();
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
