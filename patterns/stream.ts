/**
 * STREAM (ZMQ_STREAM): raw TCP peers, each known by a routing id.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { ConnectOptions, SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { closedError, coreOf } from "./_core.ts";
import { RawAddressed } from "./_raw_addressed.ts";
import { defineRouting } from "./_routing.ts";
import { checkSwitch, defineOptionNames } from "./_option_names.ts";
import { asBytes } from "./_as_bytes.ts";

/** Options of a {@linkcode Stream}. */
export interface StreamOptions extends SocketOptions {
  /**
   * Receive `[routingId, ""]` when a peer connects and again when it
   * disconnects (ZMQ_STREAM_NOTIFY). Default true.
   */
  streamNotify?: boolean | undefined;
}

/**
 * Talks to peers that speak no ZeroMQ (HTTP clients and servers, telnet,
 * anything over TCP), over `tcp://` or `ipc://`. Each connection is a peer
 * with a routing id; a receive gives `[routingId, data]`, `data` being
 * whatever bytes one read brought (a message boundary means nothing to
 * TCP), up to 64 KiB where libzmq's reads are 8 KiB: the receive
 * high-water mark counts these, so a peer not read may hold up to 64 MiB
 * at the default of 1000 (libzmq's, 8 MiB); lower it for many slow peers.
 * A send of `[routingId, data]` writes `data` to that peer (frames after
 * `data` are written after it, where libzmq would take the third frame as
 * the next message's routing id and fall out of step), and
 * `[routingId, ""]` (every frame after the id empty) closes its
 * connection once what was sent before is written, however long the peer
 * takes and whatever the linger, as libzmq does, and a second
 * `[routingId, ""]` at once (a peer that never reads would keep it until
 * the socket closes); a send to a peer that is gone rejects with
 * `EHOSTUNREACH`. A peer's connection and its end each arrive as
 * `[routingId, ""]`, unless {@linkcode StreamOptions.streamNotify} is off.
 *
 * A `connect` peer gets its routing id at once (the one given as
 * `{ routingId }`, else a generated one, as for accepted peers: a zero
 * byte, then a 32-bit counter) and keeps it when it reconnects; with
 * `immediate` set, it gets a generated one once connected, and naming it
 * is `EINVAL`.
 *
 * @example A raw TCP client says hello
 * ```ts
 * import { Stream } from "@zmtp/zmq";
 *
 * await using server = new Stream();
 * await server.bind("tcp://127.0.0.1:0");
 * const port = Number(server.lastEndpoint!.split(":").at(-1));
 * const client = await Deno.connect({ hostname: "127.0.0.1", port });
 * const [id, nothing] = await server.receive(); // the connection
 * await client.write(new TextEncoder().encode("hello"));
 * const [, data] = await server.receive();
 * console.log(nothing.length, new TextDecoder().decode(data)); // 0 "hello"
 * await server.send([id, "bye\n"]);
 * await server.send([id, ""]); // closes once "bye\n" is written
 * const buffer = new Uint8Array(16);
 * while ((await client.read(buffer)) !== null);
 * client.close();
 * ```
 */
export class Stream extends Socket {
  #streamNotify = false;
  /** See {@linkcode StreamOptions.streamNotify}. */
  get streamNotify(): boolean {
    return this.#streamNotify;
  }
  set streamNotify(on: boolean) {
    this.#streamNotify = checkSwitch("streamNotify", on);
  }

  /**
   * Makes a STREAM socket.
   *
   * @param options Socket options.
   */
  constructor(options: StreamOptions = {}) {
    super("STREAM", options);
    this.streamNotify = options.streamNotify ?? true;
    if (new.target === Stream) Object.preventExtensions(this);
  }

  /**
   * Connects to a raw TCP (or unix socket) server, in the background. With
   * `{ routingId }`, data may be sent to the peer at once: it waits for the
   * connection. Without, the peer's generated id comes with the connection,
   * as `[routingId, ""]` (and in the `handshake-succeeded` event).
   *
   * @param endpoint `tcp://host:port` or `ipc:///path`.
   * @param options The routing id to know this peer by (not in use).
   * @throws {ZmqError} `EINVAL` for a malformed endpoint, a routing id in
   * use, or a routing id with `immediate` set; `ENOCOMPATPROTO` for a
   * transport other than tcp or ipc; `ETERM` if closed.
   */
  override connect(endpoint: string, options: ConnectOptions = {}): void {
    if (this.closed) throw closedError();
    const wanted = options.routingId;
    if (wanted !== undefined) {
      // An `immediate` peer joins only once connected, too late to hold
      // its id against another connect's (libzmq asserts then).
      if (this.immediate) {
        throw new ZmqError(
          "EINVAL",
          'a STREAM socket with immediate set cannot name a connect peer: leave routingId out and take the id from [routingId, ""] on connection, or turn immediate off',
        );
      }
      const id = asBytes(wanted, "the routingId");
      if ((coreOf(this).routing as RawAddressed).has(id)) {
        throw new ZmqError(
          "EINVAL",
          "another peer of this STREAM socket has that routing id: give each its own",
        );
      }
    }
    super.connect(endpoint, options);
  }
}

defineRouting<Stream>(
  "STREAM",
  (socket, host) => new RawAddressed(socket, host),
);

defineOptionNames<StreamOptions, SocketOptions>()(Stream, ["streamNotify"]);
