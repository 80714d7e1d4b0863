/**
 * `epgm://`: PUB/SUB over PGM multicast (RFC 3208) encapsulated in UDP,
 * as libzmq speaks it through OpenPGM. A publisher's endpoint is a PGM
 * source; a subscriber's hears every source in the group, NAKs what it
 * missed and takes the repairs. Bind and connect do the same, as in
 * libzmq. `pgm://` (raw IP) is refused. Needs Deno's unstable datagram
 * API (`--unstable-net`).
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";
import { PgmReceiver } from "../codec/_pgm_receiver.ts";
import { PgmSender, pgmWindowSqns } from "../codec/_pgm_sender.ts";
import {
  bindGroup,
  datagramSocket,
  type DenoDatagramConn,
  isMulticast,
  type ListenDatagram,
  listenDatagram,
} from "./_datagram_socket.ts";
import {
  interfaceAddress,
  ipv4Octets,
  isInterfaceAddress,
} from "./_interface_address.ts";
import { bindError } from "./_stream_listener.ts";
import { PgmLink } from "./_pgm_link.ts";
import type {
  Link,
  LinkOptions,
  MulticastOptions,
  Transport,
} from "./transport.ts";

/** An `epgm://` address: `interface;group:port`. */
export interface EpgmAddress {
  /** The interface: an IPv4 address, or a name such as `eth0`. */
  interface: string;
  /** The IPv4 multicast group. */
  group: string;
  /** The UDP port (and PGM data port). */
  port: number;
}

/** libzmq's defaults for {@linkcode MulticastOptions}. */
export const MULTICAST_DEFAULTS: Readonly<MulticastOptions> = {
  rate: 100,
  recoveryInterval: 10_000,
  hops: 1,
  loop: true,
  maxTpdu: 1500,
};

/**
 * Checks multicast settings against the ranges libzmq (and OpenPGM) take.
 *
 * @example
 * ```ts
 * import { checkMulticast, MULTICAST_DEFAULTS } from "@zmtp/zmq/transport";
 *
 * checkMulticast({ ...MULTICAST_DEFAULTS, rate: 10_000 }); // fine
 * ```
 *
 * @param multicast The settings.
 * @throws {ZmqError} `EINVAL`, naming the option out of range (or `loop`
 * not a boolean).
 */
export function checkMulticast(multicast: MulticastOptions): void {
  const ranges: [keyof MulticastOptions, string, number, number][] = [
    ["rate", "rate", 8, 10_000_000],
    ["recoveryInterval", "recoveryInterval", 1, 2 ** 31 - 1],
    ["hops", "multicastHops", 1, 255],
    ["maxTpdu", "multicastMaxTpdu", 128, 65_535],
  ];
  for (const [key, name, low, high] of ranges) {
    const value = multicast[key] as number;
    if (!Number.isInteger(value) || value < low || value > high) {
      throw new ZmqError(
        "EINVAL",
        `${name} must be a whole number from ${low} to ${high}, not ${value}`,
      );
    }
  }
  // `socket.multicast` can be changed after the socket is made: a string
  // "false" there would reach the datagram socket as on.
  if (typeof multicast.loop !== "boolean") {
    throw new ZmqError("EINVAL", "multicastLoop is true or false");
  }
}

/**
 * Parses the address of an `epgm://` endpoint as libzmq does:
 * `interface;group:port`.
 *
 * @example
 * ```ts
 * import { parseEpgmAddress } from "@zmtp/zmq/transport";
 *
 * console.log(parseEpgmAddress("127.0.0.1;239.192.1.1:5555"));
 * // { interface: "127.0.0.1", group: "239.192.1.1", port: 5555 }
 * ```
 *
 * @param address What follows `epgm://`.
 * @returns The interface, group and port.
 * @throws {ZmqError} `EINVAL` for a malformed address.
 */
export function parseEpgmAddress(address: string): EpgmAddress {
  const match = /^([^;]+);([^:;]+):(\d+)$/.exec(address);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) {
    throw new ZmqError(
      "EINVAL",
      `"epgm://${address}" needs an interface, a multicast group and a port, such as epgm://127.0.0.1;239.192.1.1:5555 or epgm://eth0;239.192.1.1:5555`,
    );
  }
  const group = ipv4Octets(match[2]);
  if (!group || !isMulticast(match[2])) {
    throw new ZmqError(
      "EINVAL",
      `in "epgm://${address}", ${
        match[2]
      } is not an IPv4 multicast group (224.0.0.0 to 239.255.255.255)`,
    );
  }
  return { interface: match[1], group: group.join("."), port };
}

/**
 * libzmq's rule for PGM: PUB and XPUB send, SUB and XSUB receive; no other
 * type may use it.
 *
 * @example
 * ```ts
 * import { checkPgmSocketType } from "@zmtp/zmq/transport";
 *
 * checkPgmSocketType("SUB"); // fine
 * ```
 *
 * @param type The socket's type.
 * @throws {ZmqError} `ENOCOMPATPROTO` for any other type.
 */
export function checkPgmSocketType(type: SocketType): void {
  if (["PUB", "XPUB", "SUB", "XSUB"].includes(type)) return;
  throw new ZmqError(
    "ENOCOMPATPROTO",
    `a ${type} socket cannot use epgm://, which carries PUB, XPUB, SUB and XSUB only`,
  );
}

/**
 * The `epgm` transport. Both `bind` and `connect` join the group: a PUB
 * or XPUB as a PGM source, a SUB or XSUB as a receiver of every source.
 *
 * @example
 * ```ts
 * import { epgm } from "@zmtp/zmq/transport";
 *
 * epgm.check("127.0.0.1;239.192.1.1:5555", "connect"); // fine
 * ```
 */
export const epgm: Transport = {
  scheme: "epgm",

  checkSocketType: (type) => checkPgmSocketType(type),

  check(address) {
    const parsed = parseEpgmAddress(address);
    const endpoint = `epgm://${address}`;
    // Fail at once, not at every retry.
    _interface(parsed, endpoint, listenDatagram(endpoint));
  },

  async listen(address, options, accept) {
    const link = await _open(address, options);
    accept(link, `epgm://${address}`);
    // The sockets are the link's: they go when the socket closes it.
    return { endpoint: `epgm://${address}`, close: () => Promise.resolve() };
  },

  dial: (address, options) => _open(address, options),

  // A publisher's link is made within `connect`, and its pipe is ready
  // (subscribed to everything) before the first send, as libzmq's connect
  // makes the pipe with subscribe_to_all: nothing sent at once is dropped.
  // A receiver joins the group first, which takes a while.
  dialNow(address, options) {
    if (!_sends(options)) return undefined;
    try {
      return _source(_setup(address, options));
    } catch {
      return undefined; // dial says why, and retries
    }
  },
};

/**
 * `pgm://` needs raw IP sockets (and root), which Deno has not: it is
 * refused with a pointer to `epgm://`, which libzmq peers also speak.
 *
 * @example
 * ```ts
 * import { pgm } from "@zmtp/zmq/transport";
 *
 * try {
 *   pgm.check("eth0;239.192.1.1:5555", "connect");
 * } catch (error) {
 *   console.log((error as Error).message);
 * }
 * ```
 */
export const pgm: Transport = {
  scheme: "pgm",
  check(address) {
    throw new ZmqError(
      "EPROTONOSUPPORT",
      `pgm://${address} needs raw IP sockets, which Deno does not offer: use epgm://${address} (PGM over UDP), which libzmq speaks too`,
    );
  },
  listen: (address) => Promise.reject(_refuse(address)),
  dial: (address) => Promise.reject(_refuse(address)),
};

function _refuse(address: string): ZmqError {
  try {
    pgm.check(address, "connect");
  } catch (error) {
    return error as ZmqError;
  }
  return new ZmqError("EPROTONOSUPPORT", "pgm://");
}

/** An endpoint's settings, checked, and what its sockets are made with. */
interface _Setup {
  parsed: EpgmAddress;
  endpoint: string;
  listen: ListenDatagram;
  /** The interface's IPv4 address. */
  iface: string;
  multicast: MulticastOptions;
  maxMessageSize: number;
}

function _setup(address: string, options: LinkOptions): _Setup {
  const parsed = parseEpgmAddress(address);
  const endpoint = `epgm://${address}`;
  const listen = listenDatagram(endpoint);
  const connection = options.connectionOptions();
  checkPgmSocketType(connection.socketType);
  const multicast = { ...MULTICAST_DEFAULTS, ...options.multicast };
  // Checked again: the socket's settings may have changed since.
  checkMulticast(multicast);
  const iface = _interface(parsed, endpoint, listen);
  const maxMessageSize = connection.maxMessageSize ?? -1;
  return { parsed, endpoint, listen, iface, multicast, maxMessageSize };
}

function _sends(options: LinkOptions): boolean {
  const type = options.connectionOptions().socketType;
  return type === "PUB" || type === "XPUB";
}

async function _open(address: string, options: LinkOptions): Promise<Link> {
  const setup = _setup(address, options);
  return _sends(options) ? _source(setup) : await _receiver(setup);
}

/**
 * A source's link, made within the call: nothing on the network is waited
 * for (a TTL other than 1 is set before its first datagram goes).
 */
function _source(setup: _Setup): PgmLink {
  const { parsed, endpoint, iface, multicast } = setup;
  let conn: DenoDatagramConn;
  try {
    // Bound to the interface and the port: NAKs come to that address,
    // and a socket bound to it takes them before any bound to 0.0.0.0.
    conn = setup.listen({
      transport: "udp",
      hostname: iface,
      port: parsed.port,
      reuseAddress: true,
      loopback: multicast.loop,
    });
  } catch (error) {
    throw error instanceof ZmqError ? error : bindError(endpoint, error);
  }
  // Deno sets a TTL only through a membership of the group.
  const prepared = multicast.hops === 1 ? undefined : conn
    .joinMulticastV4(parsed.group, iface)
    .then((membership) => membership.setTTL(multicast.hops));
  const now = performance.now();
  return new PgmLink({
    kind: "source",
    socket: datagramSocket(conn),
    group: { hostname: parsed.group, port: parsed.port },
    prepared,
    sender: new PgmSender({
      session: {
        gsi: crypto.getRandomValues(new Uint8Array(6)),
        sourcePort: _sourcePort(parsed.port),
        destinationPort: parsed.port,
      },
      address: iface,
      group: parsed.group,
      maxTpdu: multicast.maxTpdu,
      rate: multicast.rate,
      recoveryInterval: multicast.recoveryInterval,
      now,
    }),
  });
}

/** A receiver's link, once it has joined the group. */
async function _receiver(setup: _Setup): Promise<PgmLink> {
  const { parsed, endpoint, listen, iface, multicast } = setup;
  const opened: DenoDatagramConn[] = [];
  try {
    const groupConn = bindGroup(listen, parsed.group, parsed.port);
    opened.push(groupConn);
    await groupConn.joinMulticastV4(parsed.group, iface);
    const conn = listen({ transport: "udp", hostname: iface, port: 0 });
    opened.push(conn);
    return new PgmLink({
      kind: "receiver",
      groupSocket: datagramSocket(groupConn),
      socket: datagramSocket(conn),
      port: parsed.port,
      receiver: new PgmReceiver({
        dataPort: parsed.port,
        group: parsed.group,
        windowSqns: pgmWindowSqns(
          multicast.rate,
          multicast.recoveryInterval,
          multicast.maxTpdu,
        ),
        maxTpdu: multicast.maxTpdu,
        maxMessageSize: setup.maxMessageSize,
        now: performance.now(),
      }),
    });
  } catch (error) {
    for (const conn of opened) conn.close();
    throw error instanceof ZmqError ? error : bindError(endpoint, error);
  }
}

/**
 * The interface's IPv4 address, which must be one of this host's, as
 * OpenPGM takes it: an interface no lookup finds is EINVAL at once, as in
 * libzmq, not a connect retried for ever; so is 0.0.0.0, which names none
 * (and would be the address SPMs tell receivers to send NAKs to).
 */
function _interface(
  parsed: EpgmAddress,
  endpoint: string,
  listen: ListenDatagram,
): string {
  const iface = interfaceAddress(parsed.interface, endpoint);
  if (iface === "0.0.0.0") {
    throw new ZmqError(
      "EINVAL",
      `${endpoint}: 0.0.0.0 names no interface; give one's address or name`,
    );
  }
  if (!(isInterfaceAddress(iface) ?? _bindable(iface, listen))) {
    throw new ZmqError(
      "EINVAL",
      `${endpoint}: ${iface} is the address of no interface of this host`,
    );
  }
  return iface;
}

/**
 * Whether a socket binds to an address: the system's word on it where the
 * interfaces cannot be listed (no permission to), or it refused for
 * another reason (which the endpoint's own bind reports).
 */
function _bindable(address: string, listen: ListenDatagram): boolean {
  try {
    listen({ transport: "udp", hostname: address, port: 0 }).close();
  } catch (error) {
    return (error as Error).name !== "AddrNotAvailable";
  }
  return true;
}

/** A random data-source port other than the data port, as OpenPGM picks. */
function _sourcePort(dataPort: number): number {
  for (;;) {
    const port = 1 + Math.floor(Math.random() * 65535);
    if (port !== dataPort) return port;
  }
}
