/**
 * Z85 (RFC 32): the printable encoding of CURVE keys used by libzmq and
 * zeromq.js — 5 characters for every 4 bytes.
 *
 * @module
 */

import { ZmqError } from "./errors.ts";

const _ALPHABET =
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
const _DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < _ALPHABET.length; i++) _DECODE[_ALPHABET.charCodeAt(i)] = i;

/**
 * Encodes bytes as Z85.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const bytes = new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
 * console.log(codec.z85Encode(bytes)); // "HelloWorld"
 * ```
 *
 * @param bytes Bytes whose length is a multiple of 4.
 * @returns The Z85 text, 5 characters per 4 bytes.
 * @throws {ZmqError} `EINVAL` if the length is not a multiple of 4.
 */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) {
    throw new ZmqError(
      "EINVAL",
      `Z85 encodes groups of 4 bytes; got ${bytes.length} bytes`,
    );
  }
  let text = "";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < bytes.length; i += 4) {
    let value = view.getUint32(i);
    const chunk = new Array<string>(5);
    for (let j = 4; j >= 0; j--) {
      chunk[j] = _ALPHABET[value % 85];
      value = Math.floor(value / 85);
    }
    text += chunk.join("");
  }
  return text;
}

/**
 * Decodes Z85 text.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * console.log(codec.z85Decode("HelloWorld")); // Uint8Array(8) [134, 79, 210, 111, 181, 89, 247, 91]
 * ```
 *
 * @param text Z85 text whose length is a multiple of 5.
 * @returns The bytes, 4 per 5 characters.
 * @throws {ZmqError} `EINVAL` for a bad length, a character outside the
 * alphabet, or a group above 2^32 - 1.
 */
export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) {
    throw new ZmqError(
      "EINVAL",
      `Z85 text comes in groups of 5 characters; got ${text.length}`,
    );
  }
  const bytes = new Uint8Array((text.length / 5) * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < text.length; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const code = text.charCodeAt(i + j);
      const digit = code < 128 ? _DECODE[code] : -1;
      if (digit < 0) {
        throw new ZmqError(
          "EINVAL",
          `"${text[i + j]}" at ${i + j} is not a Z85 character`,
        );
      }
      value = value * 85 + digit;
    }
    if (value > 0xffff_ffff) {
      throw new ZmqError(
        "EINVAL",
        `the Z85 group at ${i} is above 2^32 - 1`,
      );
    }
    view.setUint32((i / 5) * 4, value);
  }
  return bytes;
}
