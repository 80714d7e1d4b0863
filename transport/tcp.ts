/**
 * `tcp://host:port`: ZMTP over TCP.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import { streamCodec, StreamLink } from "./stream_link.ts";
import {
  everyInterface,
  interfaceAddress,
  mayReadInterfaces,
} from "./_interface_address.ts";
import { connectTcp } from "./_tcp_connect.ts";
import { bindError, requireDeno, StreamListener } from "./_stream_listener.ts";
import type { Transport } from "./transport.ts";

/** A TCP address. */
export interface TcpAddress {
  /** Host name or address, without brackets; `*` means every interface. */
  host: string;
  /** Port; 0 (or `*` in the string) means an ephemeral one. */
  port: number;
}

/**
 * Parses the address of a `tcp://` endpoint.
 *
 * @example
 * ```ts
 * import { parseTcpAddress } from "@zmtp/zmq/transport";
 *
 * console.log(parseTcpAddress("[::1]:5555")); // { host: "::1", port: 5555 }
 * console.log(parseTcpAddress("::1:5555")); // { host: "::1", port: 5555 }
 * ```
 *
 * @param address What follows `tcp://`.
 * @returns The host and port.
 * @throws {ZmqError} `EINVAL` for a malformed address, or one with a source
 * address (`tcp://source;host:port`, which Deno cannot honour).
 */
export function parseTcpAddress(address: string): TcpAddress {
  if (address.includes(";")) {
    throw new ZmqError(
      "EINVAL",
      `"tcp://${address}" names a source address, which Deno cannot choose for a connection: give only the host and port`,
    );
  }
  // The port follows the last colon, as libzmq reads it: an IPv6 address
  // may go without brackets (tcp://::1:5555).
  const match = /^(?:\[([^\]]+)\]|([^[\]]+)):(\d+|\*)$/.exec(address);
  if (!match) {
    throw new ZmqError(
      "EINVAL",
      `"tcp://${address}" needs a host and a port, such as tcp://127.0.0.1:5555 or tcp://[::1]:5555`,
    );
  }
  const host = match[1] ?? match[2];
  const port = match[3] === "*" ? 0 : Number(match[3]);
  if (port > 65535) {
    throw new ZmqError(
      "EINVAL",
      `the port in "tcp://${address}" is over 65535`,
    );
  }
  return { host, port };
}

/**
 * Formats a TCP address as an endpoint (IPv6 hosts in brackets).
 *
 * @example
 * ```ts
 * import { formatTcpEndpoint } from "@zmtp/zmq/transport";
 *
 * console.log(formatTcpEndpoint({ host: "::1", port: 80 })); // "tcp://[::1]:80"
 * ```
 *
 * @param address The host and port.
 * @returns The endpoint.
 */
export function formatTcpEndpoint(address: TcpAddress): string {
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return `tcp://${host}:${address.port}`;
}

/**
 * The `tcp` transport: `*` binds every interface, port 0 an ephemeral port
 * (the bound endpoint says which); `localhost` connects over IPv4 first.
 *
 * @example
 * ```ts
 * import { tcp } from "@zmtp/zmq/transport";
 *
 * tcp.check("127.0.0.1:5555", "connect"); // fine
 * ```
 */
export const tcp: Transport = {
  scheme: "tcp",
  dialTakesTime: true,
  raw: "stream",

  check(address, use) {
    const { host, port } = parseTcpAddress(address);
    requireDeno("tcp", use); // as zmq_connect: EPROTONOSUPPORT at once
    if (use === "connect" && (host === "*" || port === 0)) {
      throw new ZmqError(
        "EINVAL",
        `cannot connect to tcp://${address}: name a host and a port`,
      );
    }
    // libzmq's sanity check of a connect's host: a letter, digit, `[` or
    // `:` first, then those, `.`, `-`, `%`, `]`, `_` or `*` (a name no
    // lookup could resolve is refused at once, not retried for ever).
    if (
      use === "connect" && !/^[A-Za-z0-9[:][A-Za-z0-9.\-:%[\]_*]*$/.test(host)
    ) {
      throw new ZmqError(
        "EINVAL",
        `cannot connect to tcp://${address}: "${host}" is no host name or address`,
      );
    }
  },

  canonical(address) {
    let host: string, port: number;
    try {
      ({ host, port } = parseTcpAddress(address));
    } catch {
      return undefined;
    }
    // A wildcard port (0, 00, *) names no one endpoint.
    if (port === 0) return undefined;
    // As libzmq resolves it: localhost is 127.0.0.1, a port has no zeros
    // before it, an IPv6 host has brackets.
    if (host === "localhost") host = "127.0.0.1";
    if (!host.includes(":")) return `${host}:${port}`;
    return `[${_ipv6Spelling(host)}]:${port}`;
  },

  listen(address, options, accept) {
    const { host, port } = parseTcpAddress(address);
    requireDeno("tcp");
    let listener: Deno.TcpListener;
    try {
      listener = Deno.listen({
        hostname: _bindHost(host, `tcp://${address}`, options.ipv6),
        port,
      });
    } catch (error) {
      return Promise.reject(bindError(`tcp://${address}`, error));
    }
    const bound = listener.addr as Deno.NetAddr;
    const endpoint = formatTcpEndpoint({
      host: bound.hostname,
      port: bound.port,
    });
    return Promise.resolve(
      new StreamListener(listener, endpoint, options, accept),
    );
  },

  async dial(address, options, signal) {
    const { host, port } = parseTcpAddress(address);
    requireDeno("tcp", "connect");
    // The guide's C servers listen on IPv4 only, so "localhost" tries IPv4 first.
    const hosts = host === "localhost" ? ["127.0.0.1", "::1"] : [host];
    // One connectTimeout for the attempt, whichever addresses it tries.
    const timeout = options.connectTimeout ?? 0;
    const until = performance.now() + timeout;
    let lastError: unknown;
    for (const hostname of hosts) {
      const left = Math.ceil(until - performance.now());
      if (timeout > 0 && left <= 0) break;
      try {
        // Given up when close() or disconnect() aborts: a connect to a host
        // that never answers would hold them for the kernel's SYN timeout.
        signal.throwIfAborted();
        const conn = await connectTcp(
          hostname,
          port,
          signal,
          timeout > 0 ? left : 0,
        );
        conn.setNoDelay(true);
        const remote = conn.remoteAddr as Deno.NetAddr;
        return new StreamLink(
          conn,
          streamCodec(options, true),
          remote.hostname,
        );
      } catch (error) {
        if (signal.aborted) throw error;
        lastError = error;
      }
    }
    throw lastError;
  },
};

function _bindHost(host: string, endpoint: string, ipv6 = false): string {
  if (host === "*") return everyInterface(ipv6);
  if (host === "localhost") return "127.0.0.1";
  // An interface's name (`tcp://eth0:5555`) binds its IPv4 address, as in
  // libzmq, where we may read them without asking (no prompt); any other
  // name is a host's.
  if (/^[A-Za-z][\w-]*$/.test(host) && mayReadInterfaces()) {
    try {
      return interfaceAddress(host, endpoint);
    } catch {
      // No such interface: a host name.
    }
  }
  return host;
}

/**
 * An IPv6 address as Deno spells a bound one (RFC 5952: lower case, no
 * leading zeros, the longest run of two or more zero groups as `::`, an
 * IPv4-mapped address ending in dotted decimal), so that one written
 * `0:0:0:0:0:0:0:1` finds `[::1]`; anything else as it is.
 */
function _ipv6Spelling(host: string): string {
  const zone = host.indexOf("%");
  const address = zone < 0 ? host : host.slice(0, zone);
  const groups = _ipv6Groups(address);
  if (!groups) return host;
  let text: string;
  if (
    groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff
  ) {
    const [high, low] = [groups[6], groups[7]];
    text = `::ffff:${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  } else {
    let start = -1, length = 0;
    for (let i = 0; i < 8;) {
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      if (j - i > length && j - i >= 2) [start, length] = [i, j - i];
      i = j > i ? j : i + 1;
    }
    const hex = groups.map((group) => group.toString(16));
    text = start < 0
      ? hex.join(":")
      : `${hex.slice(0, start).join(":")}::${
        hex.slice(start + length).join(":")
      }`;
  }
  // Deno's spelling of a bound address has no zone.
  return text;
}

/** The eight 16-bit groups of an IPv6 address, or `undefined` if it is none. */
function _ipv6Groups(address: string): number[] | undefined {
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const parse = (half: string): number[] | undefined => {
    if (half === "") return [];
    const groups: number[] = [];
    const parts = half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      const dotted = i === parts.length - 1 &&
        /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(part);
      if (dotted) {
        const bytes = dotted.slice(1).map(Number);
        if (bytes.some((byte) => byte > 255)) return undefined;
        groups.push(bytes[0] << 8 | bytes[1], bytes[2] << 8 | bytes[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        groups.push(parseInt(part, 16));
      } else return undefined;
    }
    return groups;
  };
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...head, ...new Array(missing).fill(0), ...tail];
}
