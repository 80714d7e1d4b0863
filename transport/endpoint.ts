/**
 * Endpoint strings: `tcp://host:port`, `ipc:///path`, `inproc://name`.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";

/** A parsed endpoint. */
export type Endpoint =
  | {
    transport: "tcp";
    /** Host name or address, without brackets; `*` means every interface. */
    host: string;
    /** Port; 0 (or `*` in the string) means an ephemeral one. */
    port: number;
  }
  | {
    transport: "ipc";
    /** The unix socket's path. */
    path: string;
  }
  | {
    transport: "inproc";
    /** The in-process name. */
    name: string;
  };

/**
 * Parses an endpoint string.
 *
 * @example
 * ```ts
 * import { parseEndpoint } from "@zmtp/zmq";
 *
 * console.log(parseEndpoint("tcp://[::1]:5555")); // { transport: "tcp", host: "::1", port: 5555 }
 * console.log(parseEndpoint("ipc:///tmp/feed")); // { transport: "ipc", path: "/tmp/feed" }
 * ```
 *
 * @param endpoint The endpoint, as given to `bind` or `connect`.
 * @returns Its parts.
 * @throws {ZmqError} `EINVAL` for a malformed endpoint, `EPROTONOSUPPORT`
 * for an unknown transport.
 */
export function parseEndpoint(endpoint: string): Endpoint {
  const match = /^([a-z]+):\/\/(.+)$/.exec(endpoint);
  if (!match) {
    throw new ZmqError(
      "EINVAL",
      `"${endpoint}" is not an endpoint; write transport://address, such as tcp://127.0.0.1:5555`,
    );
  }
  const [, transport, address] = match;
  switch (transport) {
    case "tcp":
      return _parseTcp(endpoint, address);
    case "ipc":
      return { transport: "ipc", path: address };
    case "inproc":
      return { transport: "inproc", name: address };
    default:
      throw new ZmqError(
        "EPROTONOSUPPORT",
        `the transport "${transport}" is not supported; use tcp, ipc or inproc`,
      );
  }
}

/**
 * Formats an endpoint back into its string form (IPv6 hosts in brackets).
 *
 * @example
 * ```ts
 * import { formatEndpoint } from "@zmtp/zmq";
 *
 * console.log(formatEndpoint({ transport: "tcp", host: "::1", port: 80 })); // "tcp://[::1]:80"
 * ```
 *
 * @param endpoint The parts.
 * @returns The endpoint string.
 */
export function formatEndpoint(endpoint: Endpoint): string {
  switch (endpoint.transport) {
    case "tcp": {
      const host = endpoint.host.includes(":")
        ? `[${endpoint.host}]`
        : endpoint.host;
      return `tcp://${host}:${endpoint.port}`;
    }
    case "ipc":
      return `ipc://${endpoint.path}`;
    case "inproc":
      return `inproc://${endpoint.name}`;
  }
}

function _parseTcp(endpoint: string, address: string): Endpoint {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+|\*)$/.exec(address);
  if (!match) {
    throw new ZmqError(
      "EINVAL",
      `"${endpoint}" needs a host and a port, such as tcp://127.0.0.1:5555 or tcp://[::1]:5555`,
    );
  }
  const host = match[1] ?? match[2];
  const port = match[3] === "*" ? 0 : Number(match[3]);
  if (port > 65535) {
    throw new ZmqError("EINVAL", `the port in "${endpoint}" is over 65535`);
  }
  return { transport: "tcp", host, port };
}
