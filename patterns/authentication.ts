/**
 * Authentication of peers (ZAP, RFC 27): the handler a server consults
 * about each client's credentials, given as a function on the socket or the
 * `Context`, or as a classic ZAP handler bound to `inproc://zeromq.zap.01`.
 *
 * @module
 */

import type { MechanismName } from "../codec/greeting.ts";

/** What the authenticator is asked about a client. */
export interface AuthenticationRequest {
  /** The server socket's `zapDomain` ("" when not set). */
  domain: string;
  /** The client's IP address ("" over ipc). */
  address: string;
  /** The server socket's routing id, as ZAP carries it (often empty). */
  routingId: Uint8Array;
  /** The mechanism the client used. */
  mechanism: MechanismName;
  /** PLAIN: the username. */
  username?: string | undefined;
  /** PLAIN: the password. */
  password?: string | undefined;
  /** CURVE: the client's long-term public key, as Z85. */
  publicKey?: string | undefined;
  /** The raw credentials, as ZAP carries them. */
  credentials: Uint8Array[];
}

/**
 * The authenticator's answer: `true` or `{ allow: true }` (with a user id
 * and properties the server can read back), `false` or `{ allow: false }`
 * (with a ZAP status code: 400 denied, 300 try later, 500 failure).
 */
export type AuthenticationResult =
  | boolean
  | {
    allow: true;
    /** Who the client is; readable on the server through its events. */
    userId?: string | undefined;
    /** Properties attached to the client. */
    metadata?: Record<string, string | Uint8Array> | undefined;
  }
  | {
    allow: false;
    /** The ZAP status code. Default 400. */
    statusCode?: 300 | 400 | 500 | undefined;
    /** Why, for the server's events. */
    reason?: string | undefined;
  };

/** A function that judges clients. */
export type Authenticator = (
  request: AuthenticationRequest,
) => AuthenticationResult | Promise<AuthenticationResult>;
