/**
 * What endpoints a socket may use, and how it finds one it holds again.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";
import { findTransport } from "../transport/registry.ts";
import type { Transport } from "../transport/transport.ts";
import { bytesKey } from "./_bytes_key.ts";
import type { Pipe } from "./_pipe.ts";

/**
 * libzmq's check that a socket type can use a transport: the transport's
 * own rule, then those of the raw types, which need raw bytes (STREAM) or
 * datagrams (DGRAM).
 *
 * @throws {ZmqError} `ENOCOMPATPROTO`.
 */
export function checkCompatible(
  type: SocketType,
  transport: Transport,
  use: "bind" | "connect",
): void {
  transport.checkSocketType?.(type, use);
  const scheme = transport.scheme;
  if (type === "DGRAM" && transport.raw !== "datagrams") {
    throw new ZmqError(
      "ENOCOMPATPROTO",
      `a DGRAM socket sends datagrams, which ${scheme}:// does not carry: bind udp://host:port`,
    );
  }
  if (type === "STREAM" && transport.raw !== "stream") {
    throw new ZmqError(
      "ENOCOMPATPROTO",
      `a STREAM socket speaks raw bytes, which ${scheme}:// does not carry: use tcp:// or ipc://`,
    );
  }
}

/** The transport of an endpoint, if it names one (else `bind` says why). */
export function transportOf(endpoint: string): Transport | undefined {
  try {
    return findTransport(endpoint).transport;
  } catch {
    return undefined;
  }
}

/**
 * The endpoint a transport's listener or link names, in the scheme the
 * transport is registered under: a transport registered under another
 * name (`{ ...tcp, scheme: "tcp4" }`) spells its endpoints its own way.
 */
export function inScheme(endpoint: string, transport: Transport): string {
  const scheme = transport.scheme;
  const at = endpoint.indexOf("://");
  return at < 0 || endpoint.startsWith(`${scheme}://`)
    ? endpoint
    : `${scheme}${endpoint.slice(at)}`;
}

/**
 * Looks an endpoint up as given, then (found nowhere) in its transport's
 * canonical spelling, as libzmq's term_endpoint resolves a tcp address
 * (`localhost` as 127.0.0.1, an IPv6 host in brackets).
 */
export function lookUp<T>(
  endpoint: string,
  find: (spelling: string) => T | undefined,
): T | undefined {
  const found = find(endpoint);
  if (found !== undefined) return found;
  const { transport, address } = findTransport(endpoint);
  const canonical = transport.canonical?.(address);
  // In the caller's scheme: a transport registered under another name
  // (tcp4) is another endpoint.
  const spelled = canonical === undefined
    ? undefined
    : `${transport.scheme}://${canonical}`;
  return spelled === undefined || spelled === endpoint
    ? undefined
    : find(spelled);
}

/** A connect: given up, it no longer names its peer (kept for `disconnect`). */
export interface Connect {
  endpoint: string;
  pipe: Pipe;
  givenUp?: boolean;
}

/**
 * Checks that no other connect of the socket gives its peer `routingId`:
 * libzmq aborts once both peers connect; kept, one of the two would be
 * unaddressable, what it sent lost.
 *
 * @throws {ZmqError} `EINVAL`.
 */
export function checkRoutingIdFree(
  routingId: Uint8Array,
  connects: Iterable<Iterable<Connect>>,
): void {
  const key = bytesKey(routingId);
  for (const same of connects) {
    for (const { endpoint, pipe, givenUp } of same) {
      const named = pipe.assignedRoutingId;
      if (givenUp || !named || bytesKey(named) !== key) continue;
      throw new ZmqError(
        "EINVAL",
        `the connect to ${endpoint} names its peer with that routing id already: give each connect its own`,
      );
    }
  }
}
