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
  status: 400 | 426;
  reason: string;
}

/** A key is 16 bytes in base64 (one header: two were joined with ", "). */
const _KEY = /^[A-Za-z0-9+/]{22}==$/;

/** What the client asks for, or why it is refused. */
export function readUpgradeRequest(
  head: HttpHead,
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
  const offered = (headers.get("sec-websocket-protocol") ?? "")
    .split(",").map((protocol) => protocol.trim());
  return { key, offered };
}
