/**
 * Judging a client: the socket's authenticator, the context's, or a
 * classic ZAP handler, with libzmq's rule when there is none.
 *
 * @module
 */

import type { Credentials, Verdict } from "../codec/authentication.ts";
import { ZmqError } from "../codec/errors.ts";
import { Metadata } from "../codec/metadata.ts";
import { z85Encode } from "../codec/z85.ts";
import type {
  AuthenticationRequest,
  AuthenticationResult,
  Authenticator,
} from "./authentication.ts";
import { asBytes } from "./_as_bytes.ts";
import { askZapHandler, hasZapHandler } from "./_zap.ts";

const _decoder = new TextDecoder();

/** The request an authenticator sees, from the mechanism's credentials. */
function toRequest(
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

/** A verdict from an authenticator's answer. */
export function toVerdict(result: AuthenticationResult): Verdict {
  if (result === true) return { statusCode: 200, statusText: "", userId: "" };
  if (result === false) {
    return { statusCode: 400, statusText: "denied", userId: "" };
  }
  if (result.allow) {
    // Checked as the application's bytes are: what the server reads back
    // must be what the types say (a number would be handed out as bytes).
    const { userId = "", metadata } = result;
    if (typeof userId !== "string") {
      throw new ZmqError(
        "EINVAL",
        `the userId is a ${typeof userId}: give a string`,
      );
    }
    return {
      statusCode: 200,
      statusText: "",
      userId,
      metadata: metadata
        ? new Metadata(
          Object.entries(metadata).map(([name, value]) => [
            name,
            asBytes(value, `the metadata property "${name}"`),
          ]),
        )
        : undefined,
    };
  }
  // A refusal stays one whatever a caller without types puts in it.
  const { statusCode } = result;
  return {
    statusCode: statusCode === 300 || statusCode === 500 ? statusCode : 400,
    statusText: result.reason ?? "denied",
    userId: "",
  };
}

/**
 * Asks whoever judges clients in this socket's world: its own
 * authenticator, else its context's, else a ZAP handler bound to
 * inproc://zeromq.zap.01 in the scope (the context). With none of them,
 * libzmq's rule: CURVE and NULL clients are allowed, PLAIN ones refused;
 * with `enforceDomain` (ZMQ_ZAP_ENFORCE_DOMAIN) all are refused, NULL and
 * CURVE ones by a stall, as libzmq's NULL and CURVE servers stop there.
 */
export async function judge(
  authenticate: Authenticator | undefined,
  scope: object,
  request: AuthenticationRequest,
  ended?: Promise<unknown>,
  enforceDomain = false,
): Promise<Verdict> {
  try {
    if (authenticate) return toVerdict(await authenticate(request));
    if (await hasZapHandler(scope)) {
      return await askZapHandler(scope, request, ended);
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
  if (request.mechanism === "PLAIN" || enforceDomain) {
    // As libzmq's PLAIN server with no ZAP handler: it hangs up (no ERROR),
    // and the client tries again, to find one set by then; its NULL and
    // CURVE servers under ZMQ_ZAP_ENFORCE_DOMAIN stall instead, until the
    // deadline (a hang-up would have the client dial, and do a CURVE
    // handshake, every reconnect interval).
    return {
      statusCode: 500,
      statusText: request.mechanism === "PLAIN"
        ? "PLAIN needs an authenticator, and none is set"
        : "zapEnforceDomain is set, and no authenticator is",
      userId: "",
      ...(request.mechanism === "PLAIN" ? { hangUp: true } : { stall: true }),
    };
  }
  return _allowed();
}

function _allowed(): Verdict {
  return { statusCode: 200, statusText: "", userId: "" };
}

/** What a socket's judging reads of its settings. */
export interface JudgeSettings {
  readonly context: { readonly authenticate?: Authenticator | undefined };
  readonly authenticate: Authenticator | undefined;
  readonly zapDomain: string;
  readonly zapEnforceDomain: boolean;
  readonly routingId: Uint8Array | undefined;
}

/**
 * Judges a client of a socket: its authenticator or its context's, with
 * the request made from the credentials and the socket's ZAP domain.
 */
export function judgeFor(
  settings: JudgeSettings,
  credentials: Credentials,
  address: string,
  ended?: Promise<unknown>,
): Promise<Verdict> {
  const enforce = settings.zapEnforceDomain;
  // As libzmq's CURVE server under ZMQ_ZAP_ENFORCE_DOMAIN: without a
  // domain, no ZAP (encryption without authentication). A socket's own
  // authenticator, set on purpose, is asked all the same.
  if (
    enforce && settings.zapDomain === "" && credentials.mechanism === "CURVE" &&
    !settings.authenticate
  ) {
    return Promise.resolve(_allowed());
  }
  return judge(
    settings.authenticate ?? settings.context.authenticate,
    settings.context,
    toRequest(
      credentials,
      settings.zapDomain,
      address,
      settings.routingId ?? new Uint8Array(),
    ),
    ended,
    enforce,
  );
}
