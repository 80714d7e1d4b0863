/**
 * ROUTER: addressed request-reply (RFC 28).
 *
 * @module
 */

import type { PeerInfo } from "../codec/connection.ts";
import { FairQueue } from "./fair_queue.ts";
import type { Message } from "./message.ts";
import type { Pipe } from "./pipe.ts";
import { bytesKey } from "./_bytes_key.ts";
import { ZmqError } from "../codec/errors.ts";
import { Socket, type SocketOptions } from "./socket.ts";

/** Options of a {@linkcode Router}. */
export interface RouterOptions extends SocketOptions {
  /**
   * Fail a send to an unknown peer with `EHOSTUNREACH`, and wait when the
   * peer is at its high-water mark, instead of dropping (ZMQ_ROUTER_MANDATORY).
   */
  routerMandatory?: boolean;
  /**
   * When a peer announces a routing id already in use, give it the id and
   * drop the peer that had it, instead of refusing the newcomer
   * (ZMQ_ROUTER_HANDOVER): for clients that reconnect faster than the old
   * connection is noticed dead.
   */
  routerHandover?: boolean;
}

/**
 * Receives from all peers with the sender's routing id as the first frame,
 * and sends a message to the peer named by its first frame. A peer is
 * known by the Identity it announced or, failing that, by a 5-byte id
 * generated as libzmq does (a zero byte, then a 32-bit counter). Messages to
 * an unknown or full peer are dropped.
 *
 * @example
 * ```ts
 * import { Router } from "@zmtp/zmq";
 *
 * const router = new Router();
 * await router.bind("tcp://127.0.0.1:0");
 * await router.send(["nobody", "dropped, not an error"]);
 * await router.close();
 * ```
 */
export class Router extends Socket {
  /** See {@linkcode RouterOptions.routerMandatory}. */
  routerMandatory: boolean;
  /** See {@linkcode RouterOptions.routerHandover}. */
  routerHandover: boolean;
  #queue = new FairQueue();
  #peers = new Map<string, Pipe>();
  #nextId = (Math.random() * 0x1_0000_0000) >>> 0;

  /**
   * Makes a ROUTER socket.
   *
   * @param options Socket options.
   */
  constructor(options: RouterOptions = {}) {
    super("ROUTER", options);
    this.routerMandatory = options.routerMandatory ?? false;
    this.routerHandover = options.routerHandover ?? false;
  }

  /**
   * What a connected peer announced, and who it is if it was authenticated
   * (`userId`): the way to act on who sent a message.
   *
   * @param routingId The first frame of a message received from the peer.
   * @returns The peer, or `undefined` if no peer has that routing id now.
   */
  peer(routingId: Uint8Array): PeerInfo | undefined {
    return this.#peers.get(bytesKey(routingId))?.peer;
  }

  protected override _send(frames: Uint8Array[]): boolean {
    const pipe = this.#peers.get(bytesKey(frames[0]));
    if (!pipe || !pipe.ready) {
      if (!this.routerMandatory) return true;
      throw new ZmqError(
        "EHOSTUNREACH",
        `no peer has the routing id ${
          _hex(frames[0])
        }; the first frame must name a connected peer`,
      );
    }
    if (frames.length < 2) return true;
    if (!pipe.full) {
      pipe.write(frames.slice(1));
      return true;
    }
    // At the high-water mark: wait with routerMandatory, else drop.
    return !this.routerMandatory;
  }

  protected override _receive(): Message | undefined {
    const item = this.#queue.take();
    if (!item) return undefined;
    const [pipe, message] = item;
    return [pipe.routingId!, ...message];
  }

  protected override _ready(pipe: Pipe): boolean {
    const wanted = pipe.assignedRoutingId ?? pipe.peer?.routingId;
    const id = wanted ?? this.#generateId();
    const existing = wanted && this.#peers.get(bytesKey(wanted));
    if (existing && existing !== pipe) {
      // libzmq refuses a second peer with a routing id already in use,
      // unless handing over: the old peer keeps its unread messages under
      // a generated id, and its connection is dropped.
      if (!this.routerHandover) return false;
      this.#forget(existing);
      existing.routingId = this.#generateId();
      this.#peers.set(bytesKey(existing.routingId), existing);
      existing.pump?.close();
    }
    this.#forget(pipe);
    pipe.routingId = id;
    this.#peers.set(bytesKey(id), pipe);
    return true;
  }

  protected override _detach(pipe: Pipe): void {
    // What the peer sent before it went stays readable, as in libzmq.
    this.#forget(pipe);
  }

  protected override _disconnected(pipe: Pipe): void {
    this.#forget(pipe);
  }

  protected override _arrived(pipe: Pipe): void {
    this.#queue.arrived(pipe);
  }

  #generateId(): Uint8Array {
    const id = new Uint8Array(5);
    new DataView(id.buffer).setUint32(1, this.#nextId);
    this.#nextId = (this.#nextId + 1) >>> 0;
    return id;
  }

  #forget(pipe: Pipe): void {
    if (pipe.routingId && this.#peers.get(bytesKey(pipe.routingId)) === pipe) {
      this.#peers.delete(bytesKey(pipe.routingId));
    }
  }
}

function _hex(id: Uint8Array): string {
  return Array.from(id, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
