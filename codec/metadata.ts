/**
 * Metadata properties, as carried by READY (and later INITIATE) commands:
 * a 1-byte name length, the name, a 4-byte value length, the value.
 *
 * @module
 */

import { ProtocolError, ZmqError } from "./errors.ts";
import { utf8Bytes, utf8Text } from "./_utf8.ts";

/**
 * A peer's metadata properties. Names compare case-insensitively, as ZMTP
 * says; the names as sent are kept, and unknown properties stay readable.
 *
 * @example
 * ```ts
 * import { codec } from "@zmtp/zmq";
 *
 * const metadata = new codec.Metadata([["Socket-Type", "REQ"]]);
 * console.log(metadata.getString("socket-type")); // "REQ"
 * ```
 */
export class Metadata implements Iterable<[string, Uint8Array]> {
  #entries: [string, Uint8Array][] = [];

  /**
   * Makes metadata from name/value pairs.
   *
   * @param entries Names with string or byte values.
   */
  constructor(entries: Iterable<[string, string | Uint8Array]> = []) {
    for (const [name, value] of entries) {
      this.#entries.push([
        name,
        typeof value === "string" ? utf8Bytes(value) : value,
      ]);
    }
  }

  /**
   * The value of a property, or `undefined`.
   *
   * @param name The property's name, in any case.
   * @returns The raw value.
   */
  get(name: string): Uint8Array | undefined {
    const wanted = name.toLowerCase();
    for (const [key, value] of this.#entries) {
      if (key.toLowerCase() === wanted) return value;
    }
    return undefined;
  }

  /**
   * The value of a property as UTF-8 text, or `undefined`.
   *
   * @param name The property's name, in any case.
   * @returns The decoded value.
   */
  getString(name: string): string | undefined {
    const value = this.get(name);
    return value === undefined ? undefined : utf8Text(value);
  }

  /** The properties as sent, in order. */
  [Symbol.iterator](): Iterator<[string, Uint8Array]> {
    return this.#entries[Symbol.iterator]();
  }
}

/**
 * Encodes properties in ZMTP's metadata format.
 *
 * @example
 * ```ts
 * import { codec } from "@zmtp/zmq";
 *
 * const bytes = codec.encodeMetadata(new codec.Metadata([["Socket-Type", "REQ"]]));
 * console.log(bytes.length); // 1 + 11 + 4 + 3
 * ```
 *
 * @param metadata The properties to encode.
 * @returns The encoded bytes.
 * @throws {ZmqError} `EINVAL` for a name that is empty or over 255 bytes.
 */
export function encodeMetadata(metadata: Metadata): Uint8Array {
  const names: Uint8Array[] = [];
  let size = 0;
  for (const [name, value] of metadata) {
    const nameBytes = utf8Bytes(name);
    if (nameBytes.length === 0 || nameBytes.length > 255) {
      throw new ZmqError(
        "EINVAL",
        `metadata name "${name}" must be 1 to 255 bytes long as UTF-8`,
      );
    }
    names.push(nameBytes);
    size += 1 + nameBytes.length + 4 + value.length;
  }
  const out = new Uint8Array(size);
  let offset = 0;
  let index = 0;
  for (const [, value] of metadata) {
    const name = names[index++];
    out[offset] = name.length;
    out.set(name, offset + 1);
    offset += 1 + name.length;
    const length = value.length;
    out[offset] = length >>> 24;
    out[offset + 1] = (length >>> 16) & 0xff;
    out[offset + 2] = (length >>> 8) & 0xff;
    out[offset + 3] = length & 0xff;
    out.set(value, offset + 4);
    offset += 4 + length;
  }
  return out;
}

/**
 * Parses ZMTP metadata.
 *
 * @example
 * ```ts
 * import { codec } from "@zmtp/zmq";
 *
 * const bytes = codec.encodeMetadata(new codec.Metadata([["Identity", "abc"]]));
 * console.log(codec.parseMetadata(bytes).getString("identity")); // "abc"
 * ```
 *
 * @param bytes The encoded properties.
 * @returns The properties; values are views into one copy of `bytes`, so
 * that keeping them keeps no larger buffer `bytes` may be a view of.
 * @throws {ProtocolError} If a length runs past the end.
 */
export function parseMetadata(bytes: Uint8Array): Metadata {
  bytes = bytes.slice();
  const entries: [string, Uint8Array][] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset < bytes.length) {
    const nameLength = bytes[offset];
    if (nameLength === 0 || offset + 1 + nameLength + 4 > bytes.length) {
      throw new ProtocolError("protocol", "malformed metadata property name");
    }
    const name = utf8Text(bytes.subarray(offset + 1, offset + 1 + nameLength));
    offset += 1 + nameLength;
    const valueLength = view.getUint32(offset);
    offset += 4;
    if (offset + valueLength > bytes.length) {
      throw new ProtocolError(
        "protocol",
        `metadata property "${name}" runs past the end of its command`,
      );
    }
    entries.push([name, bytes.subarray(offset, offset + valueLength)]);
    offset += valueLength;
  }
  return new Metadata(entries);
}
