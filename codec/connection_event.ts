/**
 * What a {@linkcode Connection} reports: its events, and what it learnt
 * about its peer in the handshake.
 *
 * @module
 */

import type { Credentials } from "./authentication.ts";
import type { ProtocolError } from "./errors.ts";
import type { Metadata } from "./metadata.ts";

/** Where the connection is in its life. */
export type ConnectionState = "greeting" | "handshake" | "ready" | "failed";

/** What the connection learnt about its peer in the handshake. */
export interface PeerInfo {
  /** The peer's Socket-Type; `""` when it named none (as libzmq, taken). */
  socketType: string;
  /** The peer's Identity property, if it sent a non-empty one. */
  routingId?: Uint8Array | undefined;
  /** ZMTP minor version the peer speaks: 0 or 1. */
  minor: number;
  /**
   * All the peer's properties: the same object for peers that sent the
   * same (small) properties, so key nothing per peer by it.
   */
  metadata: Metadata;
  /** Who the authenticator said the peer is (PLAIN, CURVE, or NULL with ZAP). */
  userId?: string | undefined;
  /** Properties the authenticator attached to the peer. */
  authMetadata?: Metadata | undefined;
  /**
   * The peer's address as ZAP carries it, set by the socket: its IP over
   * tcp and ws, empty elsewhere (libzmq's Peer-Address property).
   */
  address?: string | undefined;
  /**
   * The peer takes every message: its transport carries no subscriptions
   * (`epgm`), so a publisher sends it all, and an XPUB is not told.
   */
  subscribesToAll?: boolean | undefined;
}

/**
 * What happened on a connection, by `type`:
 *
 * - `ready`: the handshake is complete, and messages may flow; `peer` is
 *   what the handshake learnt of the peer.
 * - `authenticate`: the server mechanism needs a verdict on the client's
 *   `credentials`: answer with `Connection.authenticated`.
 * - `message`: a whole message: its `frames`, views into the bytes received.
 * - `subscribe`, `cancel`: the peer subscribed to the prefix `topic`, or
 *   cancelled it (SUBSCRIBE and CANCEL commands, or a 3.0 peer's messages
 *   starting with 0x01 and 0x00; a DISH's JOIN and LEAVE).
 * - `refused`: a verdict refused the peer for now (a ZAP 300, "try
 *   later"): the connection stays, silent, until the handshake's deadline
 *   ends it, as libzmq's does; reported now, as libzmq reports it.
 * - `error`: the connection failed (`error.kind` says how): write out its
 *   output (it may hold an ERROR command for the peer), then close.
 */
export type ConnectionEvent =
  | { type: "ready"; peer: PeerInfo }
  | { type: "authenticate"; credentials: Credentials }
  | { type: "message"; frames: Uint8Array[] }
  | { type: "subscribe"; topic: Uint8Array }
  | { type: "cancel"; topic: Uint8Array }
  | { type: "refused"; error: ProtocolError }
  | { type: "error"; error: ProtocolError };
