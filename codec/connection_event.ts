/**
 * What a {@linkcode Connection} reports: its events, and what it learnt
 * about its peer in the handshake.
 *
 * @module
 */

import type { Credentials } from "./authentication.ts";
import type { ProtocolError } from "./errors.ts";
import type { Metadata } from "./metadata.ts";

/** What the connection learnt about its peer in the handshake. */
export interface PeerInfo {
  /** The peer's Socket-Type; `""` when it named none (as libzmq, taken). */
  socketType: string;
  /** The peer's Identity property, if it sent a non-empty one. */
  routingId?: Uint8Array;
  /** ZMTP minor version the peer speaks: 0 or 1. */
  minor: number;
  /**
   * All the peer's properties: the same object for peers that sent the
   * same (small) properties, so key nothing per peer by it.
   */
  metadata: Metadata;
  /** Who the authenticator said the peer is (PLAIN, CURVE, or NULL with ZAP). */
  userId?: string;
  /** Properties the authenticator attached to the peer. */
  authMetadata?: Metadata;
  /**
   * The peer's address as ZAP carries it, set by the socket: its IP over
   * tcp and ws, empty elsewhere (libzmq's Peer-Address property).
   */
  address?: string;
  /**
   * The peer takes every message: its transport carries no subscriptions
   * (`epgm`), so a publisher sends it all, and an XPUB is not told.
   */
  subscribesToAll?: boolean;
}

/** What happened on a connection. */
export type ConnectionEvent =
  /** The handshake is complete: messages may flow. */
  | { type: "ready"; peer: PeerInfo }
  /**
   * The server mechanism needs a verdict on the client's credentials;
   * answer with {@linkcode Connection.authenticated}.
   */
  | { type: "authenticate"; credentials: Credentials }
  /** A whole message: its frames, views into the bytes received. */
  | { type: "message"; frames: Uint8Array[] }
  /** The peer subscribed to a prefix (SUBSCRIBE command or a 0x01 message). */
  | { type: "subscribe"; topic: Uint8Array }
  /** The peer cancelled a subscription. */
  | { type: "cancel"; topic: Uint8Array }
  /**
   * A verdict refused the peer for now (a ZAP 300, "try later"): the
   * connection stays, silent, until the handshake's deadline ends it, as
   * libzmq's does; reported now, as libzmq reports it.
   */
  | { type: "refused"; error: ProtocolError }
  /** The connection failed and must be closed once its output is written. */
  | { type: "error"; error: ProtocolError };
