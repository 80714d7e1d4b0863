/**
 * What a server mechanism asks about a client, and the answer: the content
 * of a ZAP request and reply (RFC 27), without the transport.
 *
 * @module
 */

import type { MechanismName } from "./greeting.ts";
import type { Metadata } from "./metadata.ts";

/** The credentials a client presented, for the authenticator to judge. */
export interface Credentials {
  /** The mechanism the client used. */
  mechanism: MechanismName;
  /**
   * As ZAP carries them: PLAIN `[username, password]`, CURVE `[the client's
   * long-term public key]` (32 bytes), NULL `[]`.
   */
  credentials: Uint8Array[];
}

/** The authenticator's answer, as a ZAP reply carries it. */
export interface Verdict {
  /** 200 allows; 300 (try later), 400 (denied) and 500 (failure) refuse. */
  statusCode: 200 | 300 | 400 | 500;
  /** Why, for a refusal; sent to nobody, reported in events. */
  statusText: string;
  /** Who the client is, for an allowed client ("" when not said). */
  userId: string;
  /** Properties the authenticator attaches to the client. */
  metadata?: Metadata | undefined;
  /**
   * Refuse by hanging up, without an ERROR, so that the client tries again
   * after its reconnect interval: what libzmq's server does when no ZAP
   * handler is there to ask.
   */
  hangUp?: boolean | undefined;
  /**
   * Refuse by saying nothing until the handshake's deadline ends the
   * connection, with no ZAP status: what libzmq's NULL and CURVE servers
   * do under ZMQ_ZAP_ENFORCE_DOMAIN with no ZAP handler to ask.
   */
  stall?: boolean | undefined;
}
