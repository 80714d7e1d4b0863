/**
 * The transports by scheme. A new transport is one file and one line in
 * `_TRANSPORTS`, or a call to {@linkcode registerTransport}.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import { splitEndpoint } from "./endpoint.ts";
import { inproc } from "./inproc.ts";
import { ipc } from "./ipc.ts";
import { tcp } from "./tcp.ts";
import { udp } from "./udp.ts";
import { epgm, pgm } from "./epgm.ts";
import { ws, wss } from "./ws.ts";
import type { Transport } from "./transport.ts";

const _TRANSPORTS = new Map<string, Transport>(
  [tcp, ipc, inproc, ws, wss, udp, epgm, pgm].map((
    each,
  ) => [each.scheme, each]),
);

/**
 * Makes a transport available to every socket, under its scheme.
 *
 * @example
 * ```ts
 * import { registerTransport, tcp } from "@zmtp/zmq/transport";
 *
 * registerTransport({ ...tcp, scheme: "tcp4" }); // tcp4://127.0.0.1:5555
 * ```
 *
 * @param transport The transport; it replaces one with the same scheme.
 */
export function registerTransport(transport: Transport): void {
  _TRANSPORTS.set(transport.scheme, transport);
}

/**
 * Finds the transport of an endpoint and checks its address.
 *
 * @example
 * ```ts
 * import { resolveEndpoint } from "@zmtp/zmq/transport";
 *
 * const { transport, address } = resolveEndpoint("tcp://127.0.0.1:5555", "connect");
 * console.log(transport.scheme, address); // "tcp" "127.0.0.1:5555"
 * ```
 *
 * @param endpoint `scheme://address`.
 * @param use Whether it is to be bound or connected.
 * @returns The transport and the address for it.
 * @throws {ZmqError} `EINVAL` for a malformed endpoint,
 * `EPROTONOSUPPORT` for an unknown scheme.
 */
export function resolveEndpoint(
  endpoint: string,
  use: "bind" | "connect",
): { transport: Transport; address: string } {
  const { transport, address } = findTransport(endpoint);
  transport.check(address, use);
  return { transport, address };
}

/**
 * Finds the transport of an endpoint without checking its address, as
 * `unbind` and `disconnect` name endpoints (a wildcard among them).
 *
 * @example
 * ```ts
 * import { findTransport } from "@zmtp/zmq/transport";
 *
 * console.log(findTransport("tcp://*:0").transport.scheme); // "tcp"
 * ```
 *
 * @param endpoint `scheme://address`.
 * @returns The transport and the address for it.
 * @throws {ZmqError} `EINVAL` for no endpoint at all, `EPROTONOSUPPORT`
 * for an unknown scheme.
 */
export function findTransport(
  endpoint: string,
): { transport: Transport; address: string } {
  const { scheme, address } = splitEndpoint(endpoint);
  const transport = _TRANSPORTS.get(scheme);
  if (!transport) {
    throw new ZmqError(
      "EPROTONOSUPPORT",
      `the transport "${scheme}" is not supported; use ${
        [..._TRANSPORTS.keys()].join(", ")
      }`,
    );
  }
  return { transport, address };
}
