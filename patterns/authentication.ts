/**
 * Authentication of peers (ZAP, RFC 27): the handler a server consults
 * about each client's credentials, given as a function on the socket or the
 * `Context`, or as a classic ZAP handler bound to `inproc://zeromq.zap.01`.
 *
 * @module
 */

import type { Credentials, Verdict } from "../codec/authentication.ts";
import type { MechanismName } from "../codec/greeting.ts";
import { Metadata, parseMetadata } from "../codec/metadata.ts";
import { z85Encode } from "../codec/z85.ts";
import type { Context } from "./context.ts";
import type { Message } from "./message.ts";

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
  username?: string;
  /** PLAIN: the password. */
  password?: string;
  /** CURVE: the client's long-term public key, as Z85. */
  publicKey?: string;
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
    userId?: string;
    /** Properties attached to the client. */
    metadata?: Record<string, string | Uint8Array>;
  }
  | {
    allow: false;
    /** The ZAP status code. Default 400. */
    statusCode?: 300 | 400 | 500;
    /** Why, for the server's events. */
    reason?: string;
  };

/** A function that judges clients. */
export type Authenticator = (
  request: AuthenticationRequest,
) => AuthenticationResult | Promise<AuthenticationResult>;

const _decoder = new TextDecoder();
const _encoder = new TextEncoder();
const _ZAP_ENDPOINT = "zeromq.zap.01";

/** @internal The request an authenticator sees, from the mechanism's credentials. */
export function _toRequest(
  credentials: Credentials,
  domain: string,
  address: string,
  routingId: Uint8Array,
): AuthenticationRequest {
  const request: AuthenticationRequest = {
    domain,
    address,
    routingId,
    mechanism: credentials.mechanism,
    credentials: credentials.credentials,
  };
  if (credentials.mechanism === "PLAIN") {
    request.username = _decoder.decode(credentials.credentials[0]);
    request.password = _decoder.decode(credentials.credentials[1]);
  } else if (credentials.mechanism === "CURVE") {
    request.publicKey = z85Encode(credentials.credentials[0]);
  }
  return request;
}

/** @internal A verdict from an authenticator's answer. */
export function _toVerdict(result: AuthenticationResult): Verdict {
  if (result === true) return { statusCode: 200, statusText: "", userId: "" };
  if (result === false) {
    return { statusCode: 400, statusText: "denied", userId: "" };
  }
  if (result.allow) {
    return {
      statusCode: 200,
      statusText: "",
      userId: result.userId ?? "",
      metadata: result.metadata
        ? new Metadata(Object.entries(result.metadata))
        : undefined,
    };
  }
  return {
    statusCode: result.statusCode ?? 400,
    statusText: result.reason ?? "denied",
    userId: "",
  };
}

/**
 * @internal Asks whoever judges clients in this socket's world: the
 * socket's authenticator, the context's, or a ZAP handler bound to
 * inproc://zeromq.zap.01. With none of them, libzmq's rule: CURVE and
 * NULL clients are allowed, PLAIN ones refused.
 */
export async function _judge(
  own: Authenticator | undefined,
  context: Context,
  request: AuthenticationRequest,
): Promise<Verdict> {
  const authenticate = own ?? context.authenticate;
  try {
    if (authenticate) return _toVerdict(await authenticate(request));
    if (context._hasInproc(_ZAP_ENDPOINT)) {
      return await context._zap(request);
    }
  } catch (error) {
    return {
      statusCode: 500,
      statusText: `the authenticator failed: ${
        error instanceof Error ? error.message : String(error)
      }`,
      userId: "",
    };
  }
  if (request.mechanism === "PLAIN") {
    return {
      statusCode: 400,
      statusText: "PLAIN needs an authenticator, and none is set",
      userId: "",
    };
  }
  return { statusCode: 200, statusText: "", userId: "" };
}

/** @internal The frames of a ZAP request (after the empty delimiter). */
export function _zapRequestFrames(
  requestId: string,
  request: AuthenticationRequest,
): Message {
  return [
    _encoder.encode("1.0"),
    _encoder.encode(requestId),
    _encoder.encode(request.domain),
    _encoder.encode(request.address),
    request.routingId,
    _encoder.encode(request.mechanism),
    ...request.credentials,
  ];
}

/** @internal A verdict from the frames of a ZAP reply (after the delimiter). */
export function _zapReplyVerdict(frames: Message): Verdict {
  const [version, , statusCode, statusText, userId, metadata] = frames;
  const code = Number(_decoder.decode(statusCode ?? new Uint8Array()));
  if (
    _decoder.decode(version ?? new Uint8Array()) !== "1.0" ||
    ![200, 300, 400, 500].includes(code)
  ) {
    return {
      statusCode: 500,
      statusText: "malformed ZAP reply",
      userId: "",
    };
  }
  let properties: Metadata | undefined;
  if (metadata?.length) {
    try {
      properties = parseMetadata(metadata);
    } catch {
      return {
        statusCode: 500,
        statusText: "malformed ZAP metadata",
        userId: "",
      };
    }
  }
  return {
    statusCode: code as Verdict["statusCode"],
    statusText: _decoder.decode(statusText ?? new Uint8Array()),
    userId: _decoder.decode(userId ?? new Uint8Array()),
    metadata: properties,
  };
}

/** @internal The frame a ZAP reply's request id is in (after the delimiter). */
export function _zapReplyId(frames: Message): string {
  return _decoder.decode(frames[1] ?? new Uint8Array());
}
