/**
 * Endpoint strings: `scheme://address`, where the scheme names the
 * transport and the address means what that transport says.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";

/** An endpoint split at `://`. */
export interface EndpointParts {
  /** The transport's name: `tcp`, `ipc`, `inproc`… */
  scheme: string;
  /** Everything after `://`, for the transport to read. */
  address: string;
}

/**
 * Splits an endpoint into its scheme and address.
 *
 * @example
 * ```ts
 * import { splitEndpoint } from "@zmtp/zmq/transport";
 *
 * console.log(splitEndpoint("tcp://127.0.0.1:5555")); // { scheme: "tcp", address: "127.0.0.1:5555" }
 * ```
 *
 * @param endpoint The endpoint, as given to `bind` or `connect`.
 * @returns Its scheme and address.
 * @throws {ZmqError} `EINVAL` when it is not `scheme://address`.
 */
export function splitEndpoint(endpoint: string): EndpointParts {
  // Any case: libzmq reads `TCP://` as a transport it lacks, not as junk.
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.+)$/.exec(endpoint);
  if (!match) {
    throw new ZmqError(
      "EINVAL",
      `"${endpoint}" is not an endpoint; write transport://address, such as tcp://127.0.0.1:5555`,
    );
  }
  return { scheme: match[1], address: match[2] };
}
