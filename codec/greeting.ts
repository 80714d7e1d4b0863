/**
 * The 64-byte ZMTP 3.x greeting.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";

/** The greeting's length in bytes. */
export const GREETING_SIZE = 64;
/** Bytes needed to tell a ZMTP 3.x peer from a 1.0/2.0 one: signature and major version. */
export const GREETING_VERSION_SIZE = 11;

/** The security mechanisms a greeting can name. */
export type MechanismName = "NULL" | "PLAIN" | "CURVE";

/** What a peer's greeting says. */
export interface Greeting {
  /** ZMTP major version: 3. */
  major: number;
  /** ZMTP minor version: 0 or 1 (a newer minor is spoken as 3.1). */
  minor: number;
  /** The security mechanism, without its NUL padding (the whole field
   * when bytes follow the padding: a name no mechanism has). */
  mechanism: string;
  /** Whether the peer takes the server role of the mechanism (PLAIN, CURVE). */
  asServer: boolean;
}

/**
 * Encodes our greeting: signature, version 3.1, mechanism, as-server.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const greeting = codec.encodeGreeting({ mechanism: "NULL", asServer: false });
 * console.log(greeting.length, greeting[10], greeting[11]); // 64 3 1
 * ```
 *
 * @param options The mechanism and role to announce.
 * @returns 64 bytes to send first on a new connection.
 */
export function encodeGreeting(
  options: { mechanism: MechanismName; asServer: boolean },
): Uint8Array {
  const bytes = new Uint8Array(GREETING_SIZE);
  bytes[0] = 0xff;
  bytes[9] = 0x7f;
  bytes[10] = 3;
  bytes[11] = 1;
  for (let i = 0; i < options.mechanism.length; i++) {
    bytes[12 + i] = options.mechanism.charCodeAt(i);
  }
  bytes[32] = options.asServer ? 1 : 0;
  return bytes;
}

/**
 * Checks the first bytes of a peer's greeting as soon as they arrive, so a
 * ZMTP 1.0/2.0 peer (or something that is not ZMTP at all) is refused
 * without waiting for 64 bytes it will never send.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * codec.checkGreetingPrefix(new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3]));
 * ```
 *
 * @param bytes The greeting bytes received so far (any length).
 * @throws {ProtocolError} With kind `version` for a ZMTP 1.0/2.0 peer or a
 * stream that is not ZMTP.
 */
export function checkGreetingPrefix(bytes: Uint8Array): void {
  if (bytes.length >= 1 && bytes[0] !== 0xff) {
    throw new ProtocolError(
      "version",
      "the peer does not speak ZMTP 3 (no greeting signature; ZMTP 1.0 or not ZeroMQ)",
    );
  }
  if (bytes.length >= 10 && (bytes[9] & 0x01) === 0) {
    throw new ProtocolError(
      "version",
      "the peer speaks ZMTP 1.0, which this library does not support",
    );
  }
  if (bytes.length >= 11 && bytes[10] < 3) {
    throw new ProtocolError(
      "version",
      `the peer speaks ZMTP ${
        bytes[10] === 1 ? "2.0" : "1.0"
      }; ZMTP 3.0 or newer is needed`,
    );
  }
}

/**
 * Parses a peer's whole greeting.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const peer = codec.parseGreeting(codec.encodeGreeting({ mechanism: "NULL", asServer: false }));
 * console.log(peer.mechanism); // "NULL"
 * ```
 *
 * @param bytes At least {@linkcode GREETING_SIZE} bytes.
 * @returns The peer's version, mechanism and role.
 * @throws {ProtocolError} If the signature or version is not ZMTP 3.x.
 * @throws {RangeError} For fewer than {@linkcode GREETING_SIZE} bytes: a
 * greeting not yet whole (see {@linkcode checkGreetingPrefix} for its
 * first bytes).
 */
export function parseGreeting(bytes: Uint8Array): Greeting {
  checkGreetingPrefix(bytes);
  if (bytes.length < GREETING_SIZE) {
    throw new RangeError(
      `a greeting is ${GREETING_SIZE} bytes; ${bytes.length} given`,
    );
  }
  let end = 12;
  while (end < 32 && bytes[end] !== 0) end++;
  // The name is the whole field, padded with zeros: one with bytes after
  // its padding matches none (RFC 23/37: exactly; libzmq compares all 20).
  let padded = true;
  for (let i = end; i < 32 && padded; i++) padded = bytes[i] === 0;
  let mechanism = "";
  for (let i = 12; i < (padded ? end : 32); i++) {
    mechanism += String.fromCharCode(bytes[i]);
  }
  return {
    major: bytes[10],
    minor: bytes[10] > 3 ? 1 : Math.min(bytes[11], 1),
    mechanism,
    asServer: bytes[32] === 1,
  };
}
