/**
 * PEER: peer-to-peer, each peer addressed by a routing id (RFC 51, draft).
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { MessageLike } from "./message.ts";
import type {
  ConnectOptions,
  DisconnectMessageOptions,
  HelloMessageOptions,
  HiccupMessageOptions,
  SocketOptions,
} from "./options.ts";
import type { RoutedMessage, RoutedSendOptions } from "./server.ts";
import { Socket } from "./socket.ts";
import { coreOf } from "./_core.ts";
import { Numbered, sendNumbered } from "./_numbered.ts";
import { defineOptionNames } from "./_option_names.ts";
import { peerMessage } from "./_peer_messages.ts";
import { defineRouting } from "./_routing.ts";

/** Options of a {@linkcode Peer}. */
export interface PeerOptions
  extends
    SocketOptions,
    HelloMessageOptions,
    DisconnectMessageOptions,
    HiccupMessageOptions {}

/**
 * A SERVER that also connects: talks to any number of PEER peers, each
 * known by a routing id the socket gives it. `connect` returns the routing
 * id of the peer it connects to, so a PEER can speak first; peers that
 * connect to it are learnt from the `routingId` of what they send.
 * Messages are single-frame: a multipart send fails with `EINVAL`, a
 * multipart message from a peer is dropped.
 *
 * A send to a routing id no peer has fails with `EHOSTUNREACH`; to a peer
 * whose queue is full, it waits, holding back later sends to that peer
 * only. Messages to a `connect` peer queue until
 * it is connected, and across reconnects.
 *
 * @example
 * ```ts
 * import { Peer } from "@zmtp/zmq";
 *
 * const alice = new Peer();
 * await alice.bind("tcp://127.0.0.1:0");
 * const bob = new Peer();
 * const aliceId = bob.connect(alice.lastEndpoint!);
 * await bob.send("hi alice", { routingId: aliceId });
 * const greeting = await alice.receive();
 * await alice.send("hi bob", { routingId: greeting.routingId });
 * const reply = await bob.receive();
 * console.log(reply.routingId === aliceId); // true
 * await bob.close();
 * await alice.close();
 * ```
 */
export class Peer extends Socket<RoutedMessage> {
  #hello: Uint8Array | undefined;
  #disconnect: Uint8Array | undefined;
  #hiccup: Uint8Array | undefined;
  /**
   * Makes a PEER socket.
   *
   * @param options Socket options.
   */
  constructor(options: PeerOptions = {}) {
    const hello = peerMessage(options.helloMessage, "helloMessage");
    const disconnect = peerMessage(
      options.disconnectMessage,
      "disconnectMessage",
    );
    const hiccup = peerMessage(options.hiccupMessage, "hiccupMessage");
    super("PEER", options);
    this.#hello = hello;
    this.#disconnect = disconnect;
    this.#hiccup = hiccup;
    if (new.target === Peer) Object.preventExtensions(this);
  }

  /**
   * Connects to a PEER, in the background as every `connect` does, and
   * names it at once (libzmq's `zmq_connect_peer`).
   *
   * @param endpoint `tcp://host:port`, `ipc:///path`, `inproc://name` or
   * `ws://host:port/path`.
   * @param options No routing id may be given: a PEER numbers its peers.
   * @returns The routing id to send to that peer with, and that its
   * messages arrive with.
   * @throws {ZmqError} `EINVAL` with `immediate` (no peer exists to name
   * until its handshake), for a malformed endpoint or a `routingId`;
   * `EPROTONOSUPPORT` for an unknown transport, `ETERM` if closed.
   */
  override connect(endpoint: string, options: ConnectOptions = {}): number {
    if (this.immediate) {
      throw new ZmqError(
        "EINVAL",
        "a PEER socket cannot connect with `immediate` set: connect names the peer at once, before any handshake; turn `immediate` off",
      );
    }
    super.connect(endpoint, options);
    return (coreOf(this).routing as Numbered).lastConnected;
  }

  /**
   * Sends a single-frame message to one peer.
   *
   * @param message A string or bytes (one frame).
   * @param options The peer's `routingId` (from `connect` or a receive),
   * and an abort signal.
   * @returns Settles when queued.
   * @throws {ZmqError} `EINVAL` for a multipart message or a missing
   * `routingId`, `EHOSTUNREACH` when no peer has that id, `EAGAIN` after
   * `sendTimeout`, `ETERM` once closed.
   */
  override send(
    message: MessageLike,
    options: RoutedSendOptions,
  ): Promise<void> {
    return sendNumbered(
      "PEER",
      message,
      options,
      (frames) => super.send(frames, options),
    );
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

  /** See {@linkcode HiccupMessageOptions.hiccupMessage}. */
  get hiccupMessage(): Uint8Array | undefined {
    return this.#hiccup?.slice();
  }

  set hiccupMessage(value: string | Uint8Array | undefined) {
    this.#hiccup = peerMessage(value, "hiccupMessage");
  }
}

defineRouting<Peer>("PEER", (_socket, host) => new Numbered("PEER", host));

defineOptionNames<PeerOptions, SocketOptions>()(Peer, [
  "helloMessage",
  "disconnectMessage",
  "hiccupMessage",
]);
