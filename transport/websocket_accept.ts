/**
 * A ZWS upgrade on a route of an app's own `Deno.serve`: the request
 * answered with `Deno.upgradeWebSocket`, and the link made of it.
 *
 * @module
 */

import { Connection } from "../codec/connection.ts";
import { ProtocolError } from "../codec/errors.ts";
import { zwsProtocol } from "../codec/websocket_connection.ts";
import { takesZwsWithoutMechanism } from "../codec/_zws.ts";
import { originRefusal } from "../codec/_websocket_upgrade.ts";
import type { Link, LinkOptions } from "./transport.ts";
import { WebSocketLink } from "./websocket_link.ts";

/** What {@linkcode acceptWebSocket} answers: the response, and the link if upgraded. */
export interface WebSocketAcceptance {
  /** The response to return from the HTTP handler. */
  response: Response;
  /** The link, when the request was a ZWS upgrade we speak. */
  link?: Link | undefined;
  /** Why the request was refused, when it was. */
  refusal?: ProtocolError | undefined;
}

/**
 * Answers one HTTP request with `Deno.upgradeWebSocket` when it asks for a
 * ZWS sub-protocol we speak: our mechanism's, or `ZWS2.0` (what browsers
 * send) for NULL, from a page of an origin the options allow, if they
 * limit them. For a route of an app's own `Deno.serve`.
 *
 * @example What `socket.upgrade(request)` does
 * ```ts ignore
 * const { response, link } = acceptWebSocket(request, options, "127.0.0.1");
 * if (link) accept(link, "ws://127.0.0.1:8080/zmq");
 * return response;
 * ```
 *
 * @param request The HTTP request.
 * @param options What the socket gives the transport for the link.
 * @param remoteAddress The peer's address, as ZAP carries it.
 * @returns The response, and the link when upgraded.
 */
export function acceptWebSocket(
  request: Request,
  options: LinkOptions,
  remoteAddress = "",
): WebSocketAcceptance {
  const refuse = (
    status: number,
    reason: string,
    kind: "protocol" | "mechanism" | "auth",
  ) => ({
    response: new Response(`${reason}\n`, { status }),
    refusal: new ProtocolError(kind, reason),
  });
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return refuse(
      426,
      "a ZeroMQ endpoint: connect with ZWS 2.0 over WebSocket",
      "protocol",
    );
  }
  const origin = originRefusal(request.headers.get("origin"), options.origins);
  if (origin !== undefined) return refuse(403, origin, "auth");
  const connectionOptions = options.connectionOptions();
  const ours = zwsProtocol(new Connection(connectionOptions).mechanism);
  // Deno splits the offer on ", " only: libzmq's "ZWS2.0/NULL,ZWS2.0" stays
  // one name, which no protocol we could answer equals.
  const offered = (request.headers.get("sec-websocket-protocol") ?? "")
    .split(", ");
  const protocol = offered.includes(ours)
    ? ours
    : ours === "ZWS2.0/NULL" && offered.includes("ZWS2.0") &&
        takesZwsWithoutMechanism(connectionOptions)
    ? "ZWS2.0"
    : undefined;
  if (!protocol) {
    return refuse(
      400,
      `the client offers ${
        offered.join(", ") || "no sub-protocol"
      }; this endpoint speaks ${ours}`,
      "mechanism",
    );
  }
  // The platform's WebSocket cannot send a ping, and libzmq's ws peers
  // answer none of ZMTP's: Deno pings for us, and drops a peer that does
  // not answer within idleTimeout (whole seconds; 120 s by default).
  const { heartbeatInterval = 0, heartbeatTimeout = 0 } = connectionOptions;
  const idleTimeout = heartbeatInterval > 0
    ? Math.max(
      1,
      Math.ceil(
        (heartbeatTimeout > 0 ? heartbeatTimeout : heartbeatInterval) / 1000,
      ),
    )
    : undefined;
  let upgraded: { socket: WebSocket; response: Response };
  try {
    upgraded = Deno.upgradeWebSocket(request, {
      protocol,
      ...(idleTimeout !== undefined && { idleTimeout }),
    });
  } catch (error) {
    // A malformed upgrade (no `Connection: Upgrade`, no key): Deno's
    // TypeError, answered as the bad request it is.
    return refuse(400, `not a WebSocket upgrade: ${error}`, "protocol");
  }
  const { socket, response } = upgraded;
  const codec = new Connection({
    ...connectionOptions,
    framing: "zws",
    noMechanism: protocol === "ZWS2.0",
  });
  return { response, link: new WebSocketLink(socket, codec, remoteAddress) };
}
