/**
 * ROUTER: addressed request-reply (RFC 28).
 *
 * @module
 */

import type { PeerInfo } from "../codec/connection.ts";
import type {
  DisconnectMessageOptions,
  HelloMessageOptions,
  SocketOptions,
} from "./options.ts";
import { Socket } from "./socket.ts";
import { Addressed } from "./_addressed.ts";
import { coreOf } from "./_core.ts";
import { asBytes } from "./_as_bytes.ts";
import { defineRouting } from "./_routing.ts";
import { checkSwitch, defineOptionNames } from "./_option_names.ts";
import { peerMessage } from "./_peer_messages.ts";

/** Options of a {@linkcode Router}. */
export interface RouterOptions
  extends SocketOptions, HelloMessageOptions, DisconnectMessageOptions {
  /**
   * Fail a send to an unknown peer with `EHOSTUNREACH`, and wait when the
   * peer is at its high-water mark, instead of dropping (ZMQ_ROUTER_MANDATORY).
   */
  routerMandatory?: boolean | undefined;
  /**
   * When a peer announces a routing id already in use, give it the id
   * instead of ignoring the newcomer (ZMQ_ROUTER_HANDOVER): for clients that
   * reconnect faster than the old connection is noticed dead. As libzmq,
   * the old peer's messages not read yet are dropped (libzmq terminates its
   * pipe), and its connection stays open but unheard: read no more, so it feels
   * backpressure (dropped, a live old peer would reconnect and take the id
   * back, every reconnect interval). Without handover, the newcomer is the
   * one kept unheard.
   */
  routerHandover?: boolean | undefined;
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
  #hello: Uint8Array | undefined;
  #disconnect: Uint8Array | undefined;
  #routerMandatory = false;
  /** See {@linkcode RouterOptions.routerMandatory}. */
  get routerMandatory(): boolean {
    return this.#routerMandatory;
  }
  set routerMandatory(on: boolean) {
    this.#routerMandatory = checkSwitch("routerMandatory", on);
    // A send that waited for it goes now, dropped as the switch is off.
    coreOf(this).retrySends();
  }
  #routerHandover = false;
  /** See {@linkcode RouterOptions.routerHandover}. */
  get routerHandover(): boolean {
    return this.#routerHandover;
  }
  set routerHandover(on: boolean) {
    this.#routerHandover = checkSwitch("routerHandover", on);
  }

  /**
   * Makes a ROUTER socket.
   *
   * @param options Socket options.
   */
  constructor(options: RouterOptions = {}) {
    const hello = peerMessage(options.helloMessage, "helloMessage");
    const disconnect = peerMessage(
      options.disconnectMessage,
      "disconnectMessage",
    );
    super("ROUTER", options);
    this.#hello = hello;
    this.#disconnect = disconnect;
    this.routerMandatory = options.routerMandatory ?? false;
    this.routerHandover = options.routerHandover ?? false;
    if (new.target === Router) Object.preventExtensions(this);
  }

  /**
   * What a connected peer announced, and who it is if it was authenticated
   * (`userId`): the way to act on who sent a message. It describes the
   * peer that holds the routing id now: a message read after its sender
   * left (and another took its id) is not described by it, where libzmq's
   * properties travel with each message.
   *
   * @param routingId The first frame of a message received from the peer,
   * or the id as a string, as `send` takes it.
   * @returns The peer, or `undefined` if no peer has that routing id now.
   * @throws {ZmqError} `EINVAL` for an id that is neither.
   */
  peer(routingId: Uint8Array | string): PeerInfo | undefined {
    const id = asBytes(routingId, "a routing id");
    return (coreOf(this).routing as Addressed).peer(id);
  }

  /** See {@linkcode HelloMessageOptions.helloMessage}. */
  get helloMessage(): Uint8Array | undefined {
    return this.#hello?.slice();
  }

  set helloMessage(value: string | Uint8Array | undefined) {
    this.#hello = peerMessage(value, "helloMessage");
  }

  /** See {@linkcode DisconnectMessageOptions.disconnectMessage}. */
  get disconnectMessage(): Uint8Array | undefined {
    return this.#disconnect?.slice();
  }

  set disconnectMessage(value: string | Uint8Array | undefined) {
    this.#disconnect = peerMessage(value, "disconnectMessage");
  }
}

defineRouting<Router>(
  "ROUTER",
  (socket, host) => new Addressed(socket, host),
);

defineOptionNames<RouterOptions, SocketOptions>()(Router, [
  "routerMandatory",
  "routerHandover",
  "helloMessage",
  "disconnectMessage",
]);
