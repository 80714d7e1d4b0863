/**
 * A network interface named in an endpoint (`eth0;239.1.1.1:5555`), as
 * libzmq takes one: by its IPv4 address or by its name.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";

/** The IPv4 address of an interface given by address or by name. */
export function interfaceAddress(name: string, endpoint: string): string {
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(name)) return name;
  const deno = (globalThis as {
    Deno?: {
      networkInterfaces?: () => {
        name: string;
        family: string;
        address: string;
      }[];
    };
  }).Deno;
  let found: string | undefined;
  try {
    found = deno?.networkInterfaces?.().find((each) =>
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
 * Whether the interfaces may be listed without a permission prompt: only
 * then is a bare name in a tcp bind tried as an interface (else a host's).
 */
export function mayReadInterfaces(): boolean {
  const deno = (globalThis as {
    Deno?: {
      permissions?: {
        querySync?: (descriptor: { name: "sys"; kind: string }) => {
          state: string;
        };
      };
    };
  }).Deno;
  try {
    return deno?.permissions?.querySync?.({
      name: "sys",
      kind: "networkInterfaces",
    }).state === "granted";
  } catch {
    return false;
  }
}
