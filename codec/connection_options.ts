/**
 * The options of a ZMTP connection.
 *
 * @module
 */

import type { Mechanism } from "./mechanism.ts";
import type { Metadata } from "./metadata.ts";
import type { SocketType } from "./socket_type.ts";

/** Options of a `Connection`. */
export interface ConnectionOptions {
  /**
   * Our socket type, sent as Socket-Type and checked against the peer's.
   * A DISH and a REQ also check each message's shape (a group and a body;
   * an envelope): a peer that breaks it fails with a protocol error, as
   * libzmq's dish and req sessions.
   */
  socketType: SocketType;
  /** Our routing id, sent as Identity (REQ, DEALER, ROUTER only, as libzmq). */
  routingId?: Uint8Array | undefined;
  /**
   * Properties of our own sent after those (libzmq's ZMQ_METADATA), as
   * given: not checked here (a socket's `metadata` option is).
   */
  properties?: readonly (readonly [string, string | Uint8Array])[] | undefined;
  /**
   * Makes the security mechanism, given our READY properties.
   * Default: NULL.
   */
  mechanism?: ((metadata: Metadata) => Mechanism) | undefined;
  /** The largest frame accepted, in bytes (each frame of a message alone, as libzmq's ZMQ_MAXMSGSIZE); -1 for no limit (default). */
  maxMessageSize?: number | undefined;
  /** How long the greeting and handshake may take, in ms; 0 for no limit. Default 30000. */
  handshakeInterval?: number | undefined;
  /**
   * Sends our greeting in libzmq's steps, as a connecting libzmq socket
   * does: the signature once the peer's signature is in (or after 20 ms),
   * the major version once the peer's signature is in, then the rest once
   * its whole greeting is (or 20 ms after its version), and the mechanism's
   * first command once its greeting is whole (NULL's READY once its READY
   * is: from a peer whose signature came alone, as a libzmq server's, for
   * up to `handshakeInterval`, as its READY waits for its ZAP verdict; else
   * for up to 20 ms). A libzmq peer then
   * sends all of its greeting, and its READY, before it reads our mechanism
   * and our socket type, so a refusal of either is seen here as one (a
   * mechanism or incompatible error), not as a hang-up. Costs a round trip
   * (and up to 20 ms more with a peer that waits for our signature, rest or
   * READY). Default false: the greeting and the first command at once.
   */
  greetingInSteps?: boolean | undefined;
  /**
   * `zmtp` (default): ZMTP's greeting and frames over a byte stream. `zws`:
   * ZWS 2.0 over WebSocket, each `receive` and each output chunk one
   * WebSocket message, no greeting, no ZMTP heartbeats (WebSocket has its own).
   */
  framing?: "zmtp" | "zws" | undefined;
  /**
   * With `framing: "zws"` over a byte stream: each ZWS message goes out in
   * a WebSocket frame, masked as a `client`'s must be.
   */
  websocket?: "client" | "server" | undefined;
  /**
   * With `framing: "zws"`: the `ZWS2.0` sub-protocol, without a mechanism
   * (the one a browser's WebSocket can ask for). Each side's first message
   * is its routing id; no security, and no socket type to check.
   */
  noMechanism?: boolean | undefined;
  /**
   * Whether the caller writes out every chunk `takeOutput` returns before it
   * calls `takeOutput` again (as a link over a stream does): the buffers
   * behind them are then filled again, which bounds the memory of sealed
   * (CURVE) traffic. Default false: chunks stay intact for good, as when a
   * test hands them straight to another connection's `receive`.
   */
  reuseOutput?: boolean | undefined;
  /**
   * The current time in ms, on the clock of the times given later, for the
   * handshake deadline. Default: the first time given to `takeOutput`,
   * `receive` or `tick`; until one is, nothing is due (the connection's
   * `deadline` is `undefined`).
   */
  now?: number | undefined;
  /** Send a PING this often once ready, in ms; 0 (default) sends none. */
  heartbeatInterval?: number | undefined;
  /** How long to wait for any traffic after a PING before giving up, in ms; -1 (default) means `heartbeatInterval`. */
  heartbeatTimeout?: number | undefined;
  /** The TTL our PINGs ask the peer to apply (ms, sent in deciseconds); 0 (default) asks for none. */
  heartbeatTimeToLive?: number | undefined;
}
