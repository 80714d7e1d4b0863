/**
 * Exclusive routing: one peer, and only one.
 *
 * @module
 */

import type { Message, OutboundMessage } from "./message.ts";
import type { Pipe } from "./_pipe.ts";
import type { Routing } from "./_routing.ts";

/**
 * PAIR's routing: the first pipe is the peer; any other stays connected but
 * unheard (its reading paused, see heard), as libzmq's PAIR ends only that
 * pipe, not its connection (refused, it would knock again every reconnect
 * interval).
 * `send` waits while there is no peer or its queue is full.
 */
export class Exclusive implements Routing {
  #pipe: Pipe | undefined;
  /**
   * Peers that left with messages unread, read before the next peer's: one
   * at most but for `connect` pipes dropped by `disconnect`.
   */
  #left: Pipe[] = [];
  #ownEndsGiveWay: boolean;

  /**
   * @param options `ownEndsGiveWay`: whether a peer that left unread but was
   * ended by us (`unbind`) lets the next take its place at once: a DGRAM's,
   * whose one bound socket is its only pipe. libzmq's PAIR keeps the place
   * until it is read, whoever ended it.
   */
  constructor(options: { ownEndsGiveWay?: boolean } = {}) {
    this.#ownEndsGiveWay = options.ownEndsGiveWay ?? false;
  }

  send(frames: OutboundMessage): boolean {
    const pipe = this.#pipe;
    if (!pipe || pipe.full) return false;
    pipe.write(frames);
    return true;
  }

  writable(): boolean {
    const pipe = this.#pipe;
    return pipe !== undefined && !pipe.full;
  }

  receive(): Message | undefined {
    const left = this.#left;
    while (left.length > 0) {
      const message = left[0].inbound.shift();
      if (left[0].inbound.length === 0) left.shift();
      if (message) return message;
    }
    const pipe = this.#pipe;
    const message = pipe?.inbound.shift();
    if (message && !pipe!.inboundFull) pipe!.link?.resume();
    return message;
  }

  attach(pipe: Pipe): void {
    // As libzmq's PAIR, which keeps a departed peer's pipe until it is read
    // to its end: no new peer before, so one peer's unread is all it holds.
    // (A `connect` pipe, never detached, takes its place all the same; and
    // with `ownEndsGiveWay` any does once those left were ended by us: a
    // DGRAM bound again elsewhere after an unbind.)
    if (
      !pipe.transient || this.#left.length === 0 ||
      (this.#ownEndsGiveWay && this.#left.every((left) => left.closedHere))
    ) this.#pipe ??= pipe;
  }

  detach(pipe: Pipe): void {
    if (this.#pipe !== pipe) return;
    this.#pipe = undefined;
    // What it sent stays readable, as libzmq reads a pipe to its end.
    if (pipe.inbound.length > 0) this.#left.push(pipe);
  }

  /** The peer, or a departed one whose messages are still being read. */
  heard(pipe: Pipe): boolean {
    return pipe === this.#pipe || this.#left.includes(pipe);
  }
}
