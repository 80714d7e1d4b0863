/**
 * A server's reading of a WebSocket upgrade request (RFC 6455 §4.2.1):
 * what the client offers, or the HTTP refusal it gets.
 *
 * @module
 */

import type { HttpHead } from "./websocket_handshake.ts";

/** A request to answer: its key and the sub-protocols it offers. */
export interface UpgradeOffer {
  key: string;
  offered: string[];
}

/** A request refused: the status and the reason, for the client. */
export interface UpgradeRefusal {
  /** 403 for a page of an origin not allowed, 400 or 426 for a malformed request. */
  status: 400 | 403 | 426;
  reason: string;
}

/**
 * Why a request from a page of `origin` (its `Origin` header) is refused,
 * if it is: where `origins` are given, a browser's page must be of one of
 * them. A request without the header is not a page's (browsers always send
 * it with an upgrade): libzmq's, a program's, served as libzmq serves all.
 */
export function originRefusal(
  origin: string | null | undefined,
  origins: readonly string[] | undefined,
): string | undefined {
  if (origins === undefined || origin === null || origin === undefined) {
    return undefined;
  }
  return origins.includes(origin.toLowerCase())
    ? undefined
    : `pages of ${JSON.stringify(origin.slice(0, 100))} may not connect here`;
}

/** A key is 16 bytes in base64 (one header: two were joined with ", "). */
const _KEY = /^[A-Za-z0-9+/]{22}==$/;

/**
 * What the client asks for, or why it is refused; `origins`, as lower-case
 * serialized origins, limit the pages that may connect (see
 * {@linkcode originRefusal}).
 */
export function readUpgradeRequest(
  head: HttpHead,
  origins?: readonly string[],
): UpgradeOffer | UpgradeRefusal {
  const [method] = head.line.split(" ");
  const headers = head.headers;
  const key = headers.get("sec-websocket-key");
  if (
    method !== "GET" || headers.get("upgrade")?.toLowerCase() !== "websocket" ||
    !key
  ) {
    return {
      status: 426,
      reason: "a ZeroMQ endpoint: connect with ZWS 2.0 over WebSocket",
    };
  }
  if (headers.get("sec-websocket-version")?.trim() !== "13") {
    return { status: 426, reason: "this endpoint speaks WebSocket version 13" };
  }
  const connection = (headers.get("connection") ?? "").toLowerCase();
  if (!connection.split(",").some((token) => token.trim() === "upgrade")) {
    return { status: 400, reason: "the request has no Connection: Upgrade" };
  }
  if (!_KEY.test(key)) {
    return {
      status: 400,
      reason: "the request's Sec-WebSocket-Key is not one key of 16 bytes",
    };
  }
  const refusal = originRefusal(headers.get("origin"), origins);
  if (refusal !== undefined) return { status: 403, reason: refusal };
  const offered = (headers.get("sec-websocket-protocol") ?? "")
    .split(",").map((protocol) => protocol.trim());
  return { key, offered };
}
