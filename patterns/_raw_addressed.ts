/**
 * STREAM's routing: every raw peer known by a routing id; its bytes come in
 * as `[id, data]`, and `[id, data]` goes out to it as raw bytes.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { Message, OutboundMessage } from "./message.ts";
import { bytesKey } from "./_bytes_key.ts";
import { coreOf } from "./_core.ts";
import { hangUp } from "./_endpoints.ts";
import { FairQueue } from "./_fair_queue.ts";
import type { Pipe } from "./_pipe.ts";
import type { Routing, RoutingHost } from "./_routing.ts";
import {
  forgetRoute,
  hexRoutingId,
  nameRoute,
  RoutingIdGenerator,
} from "./_routing_id.ts";

/** The STREAM options the routing reads, live. */
export interface RawAddressedSettings {
  /** Tell the application of each connection and disconnection. */
  readonly streamNotify: boolean;
}

/** The data of a connect or disconnect notification. */
const _NOTHING = new Uint8Array(0);

/**
 * Addressed routing over raw connections, as libzmq's STREAM: each
 * connection gets a routing id when its pipe joins (the one given to
 * `connect`, else 5 bytes: a zero, then a 32-bit counter); a connection and
 * its end each arrive as `[id, ""]`, in order with the data; a send names
 * the peer in its first frame and writes the rest raw; `[id, ""]` closes
 * the connection once what was sent before it is written, a second at once.
 */
export class RawAddressed implements Routing {
  #socket: RawAddressedSettings;
  #host: Pick<RoutingHost, "withheld">;
  #queue = new FairQueue();
  #peers = new Map<string, Pipe>();
  /** Peers closed with `[id, ""]` whose queue is still being written. */
  #closing = new Map<string, Pipe>();
  /** Pipes whose connection was announced and whose end was not yet. */
  #live = new Set<Pipe>();
  #ids = new RoutingIdGenerator();

  /**
   * @param socket The socket, for its options and its machinery.
   * @param host What counts the messages dropped unread.
   */
  constructor(
    socket: RawAddressedSettings,
    host: Pick<RoutingHost, "withheld">,
  ) {
    this.#socket = socket;
    this.#host = host;
  }

  /** Whether a peer has this routing id now. */
  has(routingId: Uint8Array): boolean {
    return this.#peers.has(bytesKey(routingId));
  }

  check(frames: OutboundMessage): void {
    if (frames.length < 2) {
      throw new ZmqError(
        "EINVAL",
        "a STREAM socket sends [routingId, data]: name the peer in the first frame, then the bytes to write",
      );
    }
  }

  send(frames: OutboundMessage): boolean {
    const key = bytesKey(frames[0]);
    const pipe = this.#peers.get(key);
    const closing = pipe ? undefined : this.#closing.get(key);
    // `[id, ""]` again: what is still queued for it goes too.
    if (closing && frames.length === 2 && frames[1].length === 0) {
      hangUp(closing);
      return true;
    }
    if (!pipe) {
      throw new ZmqError(
        "EHOSTUNREACH",
        `no peer has the routing id ${
          hexRoutingId(frames[0])
        }: it was never connected, or its connection has ended`,
      );
    }
    let empty = true;
    for (let i = 1; i < frames.length && empty; i++) {
      empty = frames[i].length === 0;
    }
    if (empty) {
      this.#close(pipe);
      return true;
    }
    if (pipe.full) return false;
    pipe.write(frames.length === 2 ? [frames[1]] : frames.slice(1));
    return true;
  }

  receive(): Message | undefined {
    return this.#queue.receiveAddressed();
  }

  attach(pipe: Pipe): void {
    // As libzmq, a `connect` pipe gets its id at once, and keeps it across
    // reconnections; an accepted one gets it with its connection.
    const wanted = pipe.assignedRoutingId;
    const id = wanted && !this.has(wanted)
      ? wanted
      : this.#ids.next((id) => this.has(id));
    nameRoute(this.#peers, pipe, id, id !== wanted);
  }

  ready(pipe: Pipe): boolean {
    if (pipe.closedHere) return false;
    this.#live.add(pipe);
    this.#notify(pipe);
    return true;
  }

  arrived(pipe: Pipe): void {
    this.#queue.arrived(pipe);
  }

  disconnected(pipe: Pipe): void {
    this.#farewell(pipe);
  }

  detach(pipe: Pipe): void {
    // What the peer sent before it went stays readable, and then its end.
    this.#farewell(pipe);
    forgetRoute(this.#peers, pipe);
    forgetRoute(this.#closing, pipe);
  }

  /**
   * Closes a peer the application is done with once what was queued for it
   * is written, however long the peer takes to read it, whatever the
   * linger: libzmq ends the pipe behind its messages, and its raw engine
   * writes them all first. Its id takes no more data; a second `[id, ""]`
   * cuts it off at once (a peer that never reads would keep its connection
   * until the socket closes, as there, where nothing can cut it).
   */
  #close(pipe: Pipe): void {
    // Ended by us, not lost: no farewell, no new connection for it, and no
    // `disconnected` (as libzmq's monitor).
    pipe.closedHere = true;
    const key = pipe.routingKey;
    if (key !== undefined) this.#closing.set(key, pipe);
    forgetRoute(this.#peers, pipe);
    // What it sent and was not read goes with it, as libzmq's pipe ends: it
    // would come under an id no longer known (close counts it unread).
    this.#host.withheld += pipe.inbound.length;
    this.#queue.remove(pipe);
    const link = pipe.link;
    if (!pipe.ready || !link) return hangUp(pipe);
    // Woken, the link counts as flushed only once the pipe's queue is out.
    link.wake();
    link.whenFlushed().then(() => hangUp(pipe));
  }

  #farewell(pipe: Pipe): void {
    // Ended by us (closed, unbound, disconnected): libzmq says nothing then.
    if (!this.#live.delete(pipe) || pipe.closedHere) return;
    if (!coreOf(this.#socket).closed) this.#notify(pipe);
  }

  /** Queues `[id, ""]` behind what the peer sent, as libzmq's raw engine. */
  #notify(pipe: Pipe): void {
    if (!this.#socket.streamNotify) return;
    pipe.inbound.push([_NOTHING]);
    this.#queue.arrived(pipe);
    coreOf(this.#socket).delivered();
  }
}
