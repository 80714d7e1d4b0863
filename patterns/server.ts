/**
 * SERVER: the answering end of CLIENT/SERVER (RFC 41, draft).
 *
 * @module
 */

import type { Message, MessageLike } from "./message.ts";
import type {
  DisconnectMessageOptions,
  HelloMessageOptions,
  SendOptions,
  SocketOptions,
} from "./options.ts";
import { Socket } from "./socket.ts";
import { Numbered, sendNumbered } from "./_numbered.ts";
import { defineOptionNames } from "./_option_names.ts";
import { peerMessage } from "./_peer_messages.ts";
import { defineRouting } from "./_routing.ts";

/**
 * A message received by a {@linkcode Server} or a {@linkcode Peer}: its one
 * frame, and the routing id of the peer that sent it, to answer with.
 */
export type RoutedMessage = Message & {
  /** The peer's routing id on this socket: a 32-bit integer, never 0. */
  routingId: number;
};

/** Options of a {@linkcode Server}'s or a {@linkcode Peer}'s `send`. */
export interface RoutedSendOptions extends SendOptions {
  /** The peer to send to: the `routingId` a receive reported. */
  routingId: number;
}

/** Options of a {@linkcode Server}. */
export interface ServerOptions
  extends SocketOptions, HelloMessageOptions, DisconnectMessageOptions {}

/**
 * Receives single-frame messages from all its CLIENT peers, fair-queued,
 * each with the sender's `routingId`, and sends each message to the peer a
 * `routingId` names. The socket numbers its peers as libzmq does: a random
 * first id, then counting up, never 0.
 *
 * A send to a peer that is not connected fails with `EHOSTUNREACH`; to a
 * peer whose queue is full, it waits (`sendTimeout` bounds the wait),
 * holding back later sends to that peer only, as libzmq's threads. A
 * multipart send fails with `EINVAL`; a multipart message from a peer is
 * dropped.
 *
 * @example
 * ```ts
 * import { Client, Server } from "@zmtp/zmq";
 *
 * const server = new Server();
 * await server.bind("tcp://127.0.0.1:0");
 * const client = new Client();
 * client.connect(server.lastEndpoint!);
 * await client.send("ping");
 * const request = await server.receive();
 * await server.send("pong", { routingId: request.routingId });
 * console.log(new TextDecoder().decode((await client.receive())[0])); // "pong"
 * await client.close();
 * await server.close();
 * ```
 */
export class Server extends Socket<RoutedMessage> {
  #hello: Uint8Array | undefined;
  #disconnect: Uint8Array | undefined;
  /**
   * Makes a SERVER socket.
   *
   * @param options Socket options.
   */
  constructor(options: ServerOptions = {}) {
    const hello = peerMessage(options.helloMessage, "helloMessage");
    const disconnect = peerMessage(
      options.disconnectMessage,
      "disconnectMessage",
    );
    super("SERVER", options);
    this.#hello = hello;
    this.#disconnect = disconnect;
    if (new.target === Server) Object.preventExtensions(this);
  }

  /**
   * Sends a single-frame message to one peer.
   *
   * @param message A string or bytes (one frame).
   * @param options The peer's `routingId`, and an abort signal.
   * @returns Settles when queued.
   * @throws {ZmqError} `EINVAL` for a multipart message or a missing
   * `routingId`, `EHOSTUNREACH` when no connected peer has that id,
   * `EAGAIN` after `sendTimeout`, `ETERM` once closed.
   */
  override send(
    message: MessageLike,
    options: RoutedSendOptions,
  ): Promise<void> {
    return sendNumbered(
      "SERVER",
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
}

defineRouting<Server>(
  "SERVER",
  (_socket, host) => new Numbered("SERVER", host),
);

defineOptionNames<ServerOptions, SocketOptions>()(Server, [
  "helloMessage",
  "disconnectMessage",
]);
