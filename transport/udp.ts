/**
 * `udp://`: RADIO, DISH and DGRAM over UDP datagrams, as libzmq's udp
 * engine sends them. A DISH or a DGRAM binds (a unicast address, or a
 * multicast group it joins); a RADIO connects (to a unicast or multicast
 * destination). Needs Deno's unstable datagram API (`--unstable-net`).
 *
 * @module
 */

import {
  decodeGroupDatagram,
  encodeGroupDatagram,
  formatDatagramAddress,
  parseDatagramAddress,
} from "../codec/_datagram.ts";
import type { PeerInfo } from "../codec/connection.ts";
import { ZmqError } from "../codec/errors.ts";
import { Metadata } from "../codec/metadata.ts";
import type { SocketType } from "../codec/socket_type.ts";
import { bindError } from "./_stream_listener.ts";
import {
  checkDottedQuad,
  everyInterface,
  interfaceAddress,
  ipv4Octets,
} from "./_interface_address.ts";
import { granted } from "./_permission.ts";
import { DatagramLink, type DatagramRole } from "./_datagram_link.ts";
import {
  bindGroup,
  datagramSocket,
  type DenoDatagramConn,
  isMulticast,
  listenDatagram,
} from "./_datagram_socket.ts";
import type { Transport } from "./transport.ts";

/** A `udp://` address. */
export interface UdpAddress {
  /**
   * The local interface (its IPv4 address or its name, or `*`) before a
   * `;`: where a multicast group is joined and multicast is sent from.
   */
  interface?: string | undefined;
  /** The host (without brackets), or `*` for every interface (bind only). */
  host: string;
  /** The port; 0 (or `*`) binds an ephemeral one. */
  port: number;
  /** Whether `host` is a multicast group. */
  multicast: boolean;
}

/**
 * Parses the address of a `udp://` endpoint: `host:port`, or
 * `interface;group:port` for a multicast group on one interface.
 *
 * @example
 * ```ts
 * import { parseUdpAddress } from "@zmtp/zmq/transport";
 *
 * console.log(parseUdpAddress("127.0.0.1;239.1.2.3:5555"));
 * // { interface: "127.0.0.1", host: "239.1.2.3", port: 5555, multicast: true }
 * ```
 *
 * @param address What follows `udp://`.
 * @returns The interface, host and port.
 * @throws {ZmqError} `EINVAL` for a malformed address, an interface before
 * a unicast address, or an IPv6 multicast group (not supported).
 */
export function parseUdpAddress(address: string): UdpAddress {
  const split = address.lastIndexOf(";");
  const iface = split < 0 ? undefined : address.slice(0, split);
  const rest = address.slice(split + 1);
  const match = /^(?:\[([^\]]+)\]|([^:;\[\]]+)):(\d+|\*)$/.exec(rest);
  const port = match?.[3] === "*" ? 0 : Number(match?.[3]);
  if (!match || port > 65535) {
    throw new ZmqError(
      "EINVAL",
      `"udp://${address}" needs a host and a port, such as udp://127.0.0.1:5555, udp://*:5555 or udp://127.0.0.1;239.1.1.1:5555`,
    );
  }
  const host = match[1] ?? match[2];
  // A number over 255, or a leading zero, which libzmq reads as octal.
  checkDottedQuad(host, `"udp://${address}"`);
  const multicast = isMulticast(host);
  if (iface !== undefined && (!multicast || !_isInterface(iface))) {
    throw new ZmqError(
      "EINVAL",
      `in "udp://${address}", what comes before ";" is the interface (its IPv4 address or name, or *) on which to join a multicast group (224.0.0.0/4)`,
    );
  }
  if (multicast && host.includes(":")) {
    throw new ZmqError(
      "EINVAL",
      `"udp://${address}": IPv6 multicast is not supported (Deno cannot choose its interface); use an IPv4 group or unicast`,
    );
  }
  return {
    ...(iface !== undefined && { interface: iface }),
    host,
    port,
    multicast,
  };
}

/**
 * Formats a UDP address as an endpoint (IPv6 hosts in brackets).
 *
 * @example
 * ```ts
 * import { formatUdpEndpoint } from "@zmtp/zmq/transport";
 *
 * console.log(formatUdpEndpoint({ host: "::1", port: 80, multicast: false })); // "udp://[::1]:80"
 * ```
 *
 * @param address The interface, host and port.
 * @returns The endpoint.
 */
export function formatUdpEndpoint(address: UdpAddress): string {
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  const iface = address.interface === undefined ? "" : `${address.interface};`;
  return `udp://${iface}${host}:${address.port}`;
}

/**
 * libzmq's rule for which socket types use `udp://`, and how: a DISH or a
 * DGRAM binds, a RADIO connects.
 *
 * @example
 * ```ts
 * import { checkUdpSocketType } from "@zmtp/zmq/transport";
 *
 * checkUdpSocketType("RADIO", "connect"); // fine
 * ```
 *
 * @param type The socket's type.
 * @param use Whether it binds or connects.
 * @throws {ZmqError} `ENOCOMPATPROTO` for any other type or use.
 */
export function checkUdpSocketType(
  type: SocketType,
  use: "bind" | "connect",
): void {
  const fits = use === "bind"
    ? type === "DISH" || type === "DGRAM"
    : type === "RADIO";
  if (fits) return;
  const how = type === "RADIO"
    ? "a RADIO connects to udp://, it does not bind"
    : type === "DISH" || type === "DGRAM"
    ? `a ${type} binds udp://, it does not connect`
    : `a ${type} socket cannot use udp://, which carries RADIO, DISH and DGRAM only`;
  throw new ZmqError("ENOCOMPATPROTO", how);
}

/**
 * The `udp` transport: each bind or connect is one UDP socket and one
 * link. Datagrams are at most 8192 bytes, as libzmq sends and reads them.
 *
 * @example
 * ```ts
 * import { udp } from "@zmtp/zmq/transport";
 *
 * udp.check("127.0.0.1:5555", "connect"); // fine
 * ```
 */
export const udp: Transport = {
  scheme: "udp",

  checkSocketType: checkUdpSocketType,
  raw: "datagrams",
  subscribesToAll: true,

  check(address, use) {
    const parsed = parseUdpAddress(address);
    const { host, port } = parsed;
    // Fail at once, not at every reconnect.
    listenDatagram(`udp://${address}`);
    _interfaceOf(parsed, `udp://${address}`);
    if (use === "connect" && (host === "*" || port === 0)) {
      throw new ZmqError(
        "EINVAL",
        `cannot connect to udp://${address}: name a host and a port`,
      );
    }
  },

  async listen(address, options, accept) {
    const parsed = parseUdpAddress(address);
    const type = options.connectionOptions().socketType;
    checkUdpSocketType(type, "bind");
    const conn = await _bind(parsed, address, options.ipv6);
    const bound = conn.addr;
    const endpoint = formatUdpEndpoint({
      ...parsed,
      // As bound (`*` is 0.0.0.0), but a group as given: it may be bound
      // to every interface instead.
      host: parsed.multicast ? parsed.host : bound.hostname,
      port: bound.port,
    });
    const link = new DatagramLink(datagramSocket(conn), _role(type));
    accept(link, endpoint);
    return {
      endpoint,
      // The address is the link's socket: it goes when the socket closes
      // the link, as it closes every link accepted at an endpoint (unbind:
      // at once; close: once queued datagrams are out or `linger` passed).
      close: () => Promise.resolve(),
    };
  },

  async dial(address, options, signal) {
    const parsed = parseUdpAddress(address);
    const type = options.connectionOptions().socketType;
    checkUdpSocketType(type, "connect");
    const target = await _lookUp(_target(parsed.host), address, signal);
    const loop = options.multicast?.loop ?? true;
    if (typeof loop !== "boolean") {
      throw new ZmqError("EINVAL", "multicastLoop is true or false");
    }
    const conn = listenDatagram(`udp://${address}`)({
      transport: "udp",
      hostname: _sendFrom(parsed, target, `udp://${address}`),
      port: 0,
      // ZMQ_MULTICAST_LOOP, on by default: local members hear.
      loopback: loop,
    });
    // ZMQ_MULTICAST_HOPS, as libzmq's udp engine sets it: Deno sets a
    // multicast TTL only through a membership of the group.
    const hops = options.multicast?.hops ?? 1;
    if (parsed.multicast && hops !== 1) {
      try {
        const membership = await conn.joinMulticastV4(
          parsed.host,
          conn.addr.hostname,
        );
        await membership.setTTL(hops);
      } catch (error) {
        conn.close();
        throw error;
      }
    }
    const to = { hostname: target, port: parsed.port };
    return new DatagramLink(datagramSocket(conn), {
      peer: _peer("DISH"),
      encode: (frames) => {
        const datagram = encodeGroupDatagram(frames[0], frames[1]);
        return datagram && { datagram, to };
      },
    });
  },
};

async function _bind(
  address: UdpAddress,
  given: string,
  ipv6 = false,
): Promise<DenoDatagramConn> {
  const listen = listenDatagram(`udp://${given}`);
  let conn: DenoDatagramConn;
  try {
    conn = address.multicast
      ? bindGroup(listen, address.host, address.port)
      : listen({
        transport: "udp",
        hostname: _bindHost(address.host, ipv6),
        port: address.port,
      });
  } catch (error) {
    throw bindError(`udp://${given}`, error);
  }
  if (!address.multicast) return conn;
  try {
    await conn.joinMulticastV4(
      address.host,
      _interfaceOf(address, `udp://${given}`) ?? "0.0.0.0",
    );
  } catch (error) {
    conn.close();
    if (error instanceof ZmqError) throw error;
    throw new ZmqError(
      "EINVAL",
      `cannot join the multicast group of udp://${given}: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
  return conn;
}

/** What a bound socket of a type does with datagrams. */
function _role(type: SocketType): DatagramRole {
  if (type === "DISH") {
    return {
      peer: _peer("RADIO"),
      decode: (datagram) => decodeGroupDatagram(datagram),
    };
  }
  return {
    peer: _peer("DGRAM"),
    decode: (datagram, from) => [formatDatagramAddress(from), datagram],
    encode: (frames) => {
      try {
        return { datagram: frames[1], to: parseDatagramAddress(frames[0]) };
      } catch {
        return undefined; // The socket checked it on send: not reached.
      }
    },
  };
}

function _peer(socketType: SocketType): PeerInfo {
  return { socketType, minor: 1, metadata: new Metadata() };
}

function _bindHost(host: string, ipv6: boolean): string {
  if (host === "*") return everyInterface(ipv6);
  if (host === "localhost") return "127.0.0.1";
  return host;
}

function _target(host: string): string {
  return host === "localhost" ? "127.0.0.1" : host;
}

/**
 * A RADIO's target host looked up once, as libzmq's udp connect does (an
 * IPv4 address first): a name given to each send is looked up for each
 * datagram (95 µs a send against 11 here), and one that does not resolve
 * lost every datagram in silence, after a `connected`. Looked up here only
 * where all net is granted (Deno asks about the name server, and a prompt
 * about it would puzzle); else left to each send, as before.
 */
async function _lookUp(
  host: string,
  address: string,
  signal: AbortSignal,
): Promise<string> {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (
    ipv4Octets(host) || host.includes(":") ||
    typeof deno?.resolveDns !== "function" || !granted({ name: "net" })
  ) return host;
  let failure: unknown;
  for (const type of ["A", "AAAA"] as const) {
    try {
      const [found] = await deno.resolveDns(host, type, { signal });
      if (found) return found;
    } catch (error) {
      signal.throwIfAborted();
      failure ??= error;
    }
  }
  throw new ZmqError(
    "EINVAL",
    `udp://${address}: "${host}" has no address (${
      failure instanceof Error ? failure.message : "no records"
    })`,
    { cause: failure },
  );
}

/**
 * Where a RADIO sends from: the interface named for multicast (Linux then
 * sends the group's datagrams out of it); loopback for a loopback peer, so
 * nothing else listens; else any address of the target's family (`host`:
 * the target's address, a name as it was looked up).
 */
function _sendFrom(
  address: UdpAddress,
  host: string,
  endpoint: string,
): string {
  const iface = _interfaceOf(address, endpoint);
  if (iface !== undefined) return iface;
  if (host === "::1") return "::1";
  if (/^127\./.test(host)) return "127.0.0.1";
  return host.includes(":") ? "::" : "0.0.0.0";
}

/** An IPv4 address, a name (`eth0`, `lo`) or `*`, as libzmq takes. */
function _isInterface(iface: string): boolean {
  // A group is no source (libzmq: "a multicast address as a source" is EINVAL).
  return iface === "*" || (/^[\w.@-]+$/.test(iface) && !isMulticast(iface));
}

/** The interface's IPv4 address (a name looked up); none for none or `*`. */
function _interfaceOf(
  address: UdpAddress,
  endpoint: string,
): string | undefined {
  const iface = address.interface;
  return iface === undefined || iface === "*"
    ? undefined
    : interfaceAddress(iface, endpoint);
}
