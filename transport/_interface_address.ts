/**
 * A network interface named in an endpoint (`eth0;239.1.1.1:5555`), as
 * libzmq takes one: by its IPv4 address or by its name.
 *
 * @module
 */
import { ZmqError } from "../codec/errors.ts";
import { granted } from "./_permission.ts";

/**
 * The four numbers of a dotted-quad IPv4 address, or `undefined` for
 * anything else: a number over 255, or one with a leading zero, which
 * libzmq (inet_aton) reads as octal: 010 is 8 there, and a group we read
 * otherwise would be another group.
 */
export function ipv4Octets(text: string): number[] | undefined {
  if (!/^(?:0|[1-9]\d{0,2})(?:\.(?:0|[1-9]\d{0,2})){3}$/.test(text)) {
    return undefined;
  }
  const octets = text.split(".").map(Number);
  return octets.every((octet) => octet <= 255) ? octets : undefined;
}

/**
 * Refuses four numbers that are no IPv4 address as we read one (a number
 * over 255, a leading zero), rather than take them for a name.
 *
 * @throws {ZmqError} `EINVAL`, naming `what` (the interface, the host…).
 */
export function checkDottedQuad(text: string, what: string): void {
  if (/^\d+(?:\.\d+){3}$/.test(text) && !ipv4Octets(text)) {
    throw new ZmqError(
      "EINVAL",
      `${what}: an IPv4 address is four numbers of 0 to 255, without leading zeros (libzmq would read 010 as 8)`,
    );
  }
}

/**
 * The IPv4 address of an interface given by address (as written, in its
 * plain form) or by name.
 *
 * @throws {ZmqError} `EINVAL` for a name no interface has.
 */
export function interfaceAddress(name: string, endpoint: string): string {
  const octets = ipv4Octets(name);
  if (octets) return octets.join(".");
  checkDottedQuad(name, `the interface ${name} of ${endpoint}`);
  let found: string | undefined;
  try {
    found = _interfaces()?.find((each) =>
      each.name === name && each.family === "IPv4"
    )?.address;
  } catch (error) {
    throw new ZmqError(
      "EINVAL",
      `cannot look up the interface "${name}" of ${endpoint} (${
        (error as Error).message
      }): give its IPv4 address instead, or allow --allow-sys=networkInterfaces`,
      { cause: error },
    );
  }
  if (found === undefined) {
    throw new ZmqError(
      "EINVAL",
      `${endpoint}: no interface "${name}" with an IPv4 address`,
    );
  }
  return found;
}

/**
 * Whether an IPv4 address is one of this host's interfaces'; `undefined`
 * where they cannot be listed without a permission prompt.
 */
export function isInterfaceAddress(address: string): boolean | undefined {
  if (!mayReadInterfaces()) return undefined;
  try {
    return _interfaces()?.some((each) =>
      each.family === "IPv4" && each.address === address
    );
  } catch {
    return undefined;
  }
}

function _interfaces():
  | { name: string; family: string; address: string }[]
  | undefined {
  const deno = (globalThis as {
    Deno?: {
      networkInterfaces?: () => {
        name: string;
        family: string;
        address: string;
      }[];
    };
  }).Deno;
  return deno?.networkInterfaces?.();
}

/**
 * Whether the interfaces may be listed without a permission prompt: only
 * then is a bare name in a tcp bind tried as an interface (else a host's).
 */
export function mayReadInterfaces(): boolean {
  return granted({ name: "sys", kind: "networkInterfaces" });
}

/**
 * The address a `*` host binds: every IPv4 interface, or with `ipv6`
 * (ZMQ_IPV6) every IPv6 one, and IPv4's too where the system maps them.
 */
export function everyInterface(ipv6 = false): string {
  return ipv6 ? "::" : "0.0.0.0";
}
