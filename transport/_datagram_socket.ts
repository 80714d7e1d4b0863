/**
 * Deno's UDP sockets as the datagram transports (`udp`, `epgm`) use them:
 * found at run time (the API is unstable, and other runtimes lack it),
 * bound to a multicast group where the system allows it.
 *
 * @module
 */

import type { DatagramAddress } from "../codec/_datagram.ts";
import { ProtocolError, ZmqError } from "../codec/errors.ts";
import { ipv4Octets } from "./_interface_address.ts";

/** The parts of `Deno.DatagramConn` used here (typed here: the API is unstable). */
export interface DenoDatagramConn {
  readonly addr: { hostname: string; port: number };
  receive(buffer: Uint8Array): Promise<[Uint8Array, DatagramAddress]>;
  send(
    datagram: Uint8Array,
    to: DatagramAddress & { transport: "udp" },
  ): Promise<number>;
  joinMulticastV4(
    group: string,
    networkInterface: string,
  ): Promise<{ setTTL(ttl: number): Promise<void> }>;
  close(): void;
}

/** `Deno.listenDatagram` for UDP. */
export type ListenDatagram = (options: {
  transport: "udp";
  hostname: string;
  port: number;
  reuseAddress?: boolean | undefined;
  loopback?: boolean | undefined;
}) => DenoDatagramConn;

/** A datagram socket as the links use it. */
export interface DatagramSocket {
  /** Reads one datagram into `buffer`; rejects once closed. */
  receive(buffer: Uint8Array): Promise<[Uint8Array, DatagramAddress]>;
  /** Sends one datagram. */
  send(datagram: Uint8Array, to: DatagramAddress): Promise<number>;
  /** Closes the socket; a pending receive rejects. */
  close(): void;
}

/**
 * Finds `Deno.listenDatagram`.
 *
 * @param endpoint Named in the error.
 * @throws {ZmqError} `EPROTONOSUPPORT` without `--unstable-net`, or
 * outside Deno.
 */
export function listenDatagram(endpoint: string): ListenDatagram {
  const deno = (globalThis as { Deno?: { listenDatagram?: ListenDatagram } })
    .Deno;
  if (typeof deno?.listenDatagram !== "function") {
    throw new ZmqError(
      "EPROTONOSUPPORT",
      deno
        ? `${endpoint} needs Deno's unstable datagram API: run with --unstable-net (or "unstable": ["net"] in deno.json)`
        : `${endpoint} needs Deno's network API, which this runtime lacks`,
    );
  }
  return deno.listenDatagram.bind(deno);
}

/**
 * A socket for a multicast group: bound to the group itself where the
 * system allows it (then it reads only that group's datagrams, and no
 * unicast meant for another socket on the port), else to every interface,
 * as libzmq binds; shared with other members (libzmq lets them share too).
 */
export function bindGroup(
  listen: ListenDatagram,
  group: string,
  port: number,
): DenoDatagramConn {
  const options = { transport: "udp" as const, port, reuseAddress: true };
  try {
    return listen({ ...options, hostname: group });
  } catch {
    return listen({ ...options, hostname: "0.0.0.0" });
  }
}

/** Wraps a Deno socket as a {@linkcode DatagramSocket}. */
export function datagramSocket(conn: DenoDatagramConn): DatagramSocket {
  return {
    receive: async (buffer) => {
      const [datagram, from] = await conn.receive(buffer);
      return [datagram, { hostname: from.hostname, port: from.port }];
    },
    send: (datagram, to) => conn.send(datagram, { transport: "udp", ...to }),
    close: () => conn.close(),
  };
}

/** Errors of a read that leave the socket usable (Deno's error names). */
const _TRANSIENT = new Set(["ConnectionReset", "ConnectionRefused"]);

/**
 * What a failed read of a datagram socket means: nothing (`undefined`) for
 * an ICMP error reported late (Windows does, for a datagram sent earlier),
 * which does not end a socket that serves many peers; else the error to
 * report before closing, so an endpoint never goes deaf in silence.
 *
 * @param error What the read threw.
 * @param scheme Named in the error (`udp`, `epgm`).
 */
export function receiveFailure(
  error: unknown,
  scheme: string,
): ProtocolError | undefined {
  if (_TRANSIENT.has((error as Error).name)) return undefined;
  return new ProtocolError(
    "peer",
    `the ${scheme} socket failed to receive: ${(error as Error).message}`,
  );
}

/**
 * Whether a host is a multicast group (224.0.0.0/4, or ff00::/8).
 *
 * @param host An address.
 */
export function isMulticast(host: string): boolean {
  const octets = ipv4Octets(host);
  if (octets) return octets[0] >= 224 && octets[0] <= 239;
  return /^ff[0-9a-f]{2}:/i.test(host);
}
