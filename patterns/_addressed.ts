/**
 * Addressed routing: each peer known by a routing id, each message sent
 * to the peer its first frame names.
 *
 * @module
 */

import type { PeerInfo } from "../codec/connection.ts";
import { ZmqError } from "../codec/errors.ts";
import type { Message, OutboundMessage } from "./message.ts";
import { bytesKey } from "./_bytes_key.ts";
import { FairQueue } from "./_fair_queue.ts";
import type { Pipe } from "./_pipe.ts";
import type { Routing, RoutingHost } from "./_routing.ts";
import {
  forgetRoute,
  hexRoutingId,
  nameRoute,
  RoutingIdGenerator,
} from "./_routing_id.ts";

/** The ROUTER options addressed routing reads, live. */
export interface AddressedSettings {
  /** Fail (or wait at the high-water mark) instead of dropping. */
  readonly routerMandatory: boolean;
  /** A newcomer with a routing id in use takes it over. */
  readonly routerHandover: boolean;
}

/**
 * ROUTER's routing: fair-queued in with the sender's routing id as the
 * first frame; out to the peer the first frame names. A peer is known by
 * the id given at `connect`, else the Identity it announced, else a 5-byte
 * id generated as libzmq does (a zero byte, then a 32-bit counter).
 */
export class Addressed implements Routing {
  #settings: AddressedSettings;
  #host: RoutingHost;
  #queue = new FairQueue();
  #peers = new Map<string, Pipe>();
  #ids = new RoutingIdGenerator();

  constructor(settings: AddressedSettings, host: RoutingHost) {
    this.#settings = settings;
    this.#host = host;
  }

  /** What the peer with a routing id announced, if it is connected. */
  peer(routingId: Uint8Array): PeerInfo | undefined {
    return this.#peers.get(bytesKey(routingId))?.peer;
  }

  send(frames: OutboundMessage): boolean {
    // A routing id alone is no message: libzmq drops it, mandatory or not.
    if (frames.length < 2) return true;
    const mandatory = this.#settings.routerMandatory;
    const pipe = this.#peers.get(bytesKey(frames[0]));
    // A `connect` peer keeps its id while its link is down, and what is
    // sent to it queues, as in libzmq.
    if (!pipe || !pipe.attached || pipe.unheard === "handedOver") {
      if (!mandatory) return true;
      throw new ZmqError(
        "EHOSTUNREACH",
        `no peer has the routing id ${
          hexRoutingId(frames[0])
        }; the first frame must name a connected peer`,
      );
    }
    if (!pipe.full) {
      pipe.write(frames.slice(1));
      return true;
    }
    // At the high-water mark: wait with routerMandatory, else drop.
    return !mandatory;
  }

  /**
   * Always, but with routerMandatory: then while a peer has room, as
   * libzmq's router xhas_out (a send to a full one waits all the same).
   */
  writable(): boolean {
    if (!this.#settings.routerMandatory) return true;
    for (const pipe of this.#peers.values()) {
      if (pipe.attached && pipe.unheard !== "handedOver" && !pipe.full) {
        return true;
      }
    }
    return false;
  }

  receive(): Message | undefined {
    return this.#queue.receiveAddressed();
  }

  attach(pipe: Pipe): void {
    // As libzmq, the peer of a `connect` given a routing id is known by it
    // from the start: what is sent to it queues until its link is up. (An
    // id in use waits for the handshake, which hands it over or leaves
    // the newcomer unaddressed.)
    const id = pipe.assignedRoutingId;
    if (id && !this.#peers.has(bytesKey(id))) nameRoute(this.#peers, pipe, id);
  }

  ready(pipe: Pipe): boolean {
    // A `connect` peer that comes back keeps the id it had, whatever it
    // announces now: libzmq assumes a peer's routing id never changes.
    const had = pipe.routingKey;
    if (
      had !== undefined && this.#peers.get(had) === pipe &&
      pipe.unheard === undefined
    ) return true;
    // One unheard (handed over, or anonymous and given its connect id back
    // at attach) that connects again is a new peer, as libzmq's new pipe
    // is: it announces its id afresh, and may take it back.
    const wanted = pipe.assignedRoutingId ?? pipe.peer?.routingId;
    // A generated id is never one a peer announced (libzmq asserts there).
    const inUse = (id: Uint8Array) => this.#peers.has(bytesKey(id));
    const id = wanted ?? this.#ids.next(inUse);
    const existing = wanted && this.#peers.get(bytesKey(wanted));
    if (existing && existing !== pipe) {
      // libzmq ignores a second peer with a routing id already in use,
      // unless handing over: the old peer moves to a generated id, and is
      // heard no more. Its pipe is terminated there, and reads nothing
      // more: what it sent and was not read yet is dropped (counted unread
      // at close).
      if (!this.#settings.routerHandover) {
        forgetRoute(this.#peers, pipe);
        // Each link stands for libzmq's new pipe, read afresh.
        pipe.anonymousRead = 0;
        pipe.unheard = "anonymous";
        return true;
      }
      forgetRoute(this.#peers, existing);
      this.#host.withheld += existing.inbound.length;
      existing.inbound.clear();
      nameRoute(this.#peers, existing, this.#ids.next(inUse), true);
      existing.unheard = "handedOver";
    }
    forgetRoute(this.#peers, pipe);
    pipe.unheard = undefined;
    nameRoute(this.#peers, pipe, id, wanted === undefined);
    // A send waiting on the old holder's full pipe goes to the new one, as
    // libzmq's send tries again once the new pipe is bound.
    if (existing && existing !== pipe) this.#host.retrySends();
    return true;
  }

  detach(pipe: Pipe): void {
    // What the peer sent before it went stays readable, as in libzmq.
    forgetRoute(this.#peers, pipe);
  }

  heard(pipe: Pipe): boolean {
    // As libzmq: an anonymous peer's pipe lives on unread, so its link is
    // read up to the high-water mark (its hang-up still seen before); a
    // handed-over one's pipe ended, so its session stops reading at once.
    // Either feels backpressure rather than sending into nothing.
    const unheard = pipe.unheard;
    return unheard === undefined ||
      (unheard === "anonymous" && pipe.anonymousRead < pipe.receiveLimit);
  }

  arrived(pipe: Pipe): void {
    if (pipe.unheard === undefined) return this.#queue.arrived(pipe);
    // Anonymous: never delivered, so not kept (what the pipe holds from
    // before is readable still, in its turn), counted unread at close.
    pipe.inbound.pop();
    pipe.anonymousRead++;
    this.#host.withheld++;
  }
}
